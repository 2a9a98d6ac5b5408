// The one error catalogue of gruwatch. Callers branch on `code`, never on
// message text; `retriable` tells a caller whether trying again can help.
// Every code has a description below (a convention test checks it).

export const errorCodes = {
  CONFIG_INVALID: 'The configuration file or an environment override does not match the schema.',
  CONFIG_UNREADABLE: 'The configuration file (or a secret file it names) cannot be read or parsed as YAML.',
  INGEST_DECODE_FAILED:
    'A message payload could not be decoded into readings; it is counted and dead-lettered.',
  INGEST_SOURCE_FAILED: 'A message source (MQTT or Kafka) failed to connect or lost its connection.',
  MODEL_SHAPE_MISMATCH: 'Arrays handed to the model do not match its dimensions.',
  MODEL_ARTIFACT_INVALID: 'A model artifact is truncated, corrupted or fails its checksum.',
  MODEL_ARTIFACT_INCOMPATIBLE: 'A model artifact was written for another format version or other channels.',
  MODEL_REGISTRY_UNAVAILABLE:
    'The shared model registry (S3-compatible object storage) cannot be reached, refused a request, or another writer moved its pointer first.',
  MODEL_TRAINING_FAILED: 'Training could not run (too little data, non-finite loss).',
  DETECTOR_INPUT_INVALID: 'Residuals, scores or observations given to the detector are malformed.',
  DETECTOR_STATE_INCOMPATIBLE: 'Persisted alert state has another version or does not match its schema.',
  SINK_WRITE_FAILED: 'A sink (InfluxDB, webhook, store) could not write a batch.',
  STORE_FULL:
    'The file system of the local store is full (SQLITE_FULL, or free space under store.minFreeBytes); input is held back unacknowledged until space returns.',
  SINK_QUERY_FAILED: 'A read from a sink (an InfluxQL query) failed or returned an error.',
  SINK_THROTTLED: 'A sink asked gruwatch to slow down (HTTP 429 or 503 with Retry-After).',
  SIMULATOR_PUBLISH_FAILED: 'The simulator could not reach or write its target (MQTT, Kafka or files).',
  SERVICE_NOT_READY: 'A dependency of the running service is not reachable yet.',
  CLI_USAGE: 'A command-line argument is missing or wrong.',
  API_NOT_FOUND:
    'An HTTP API request names a model, model version or record the service does not have (HTTP 404).',
  API_CONFLICT:
    'An HTTP API request cannot be carried out in the current state, e.g. a version that cannot be served or a model in the wrong state (HTTP 409).',
} as const;

export type ErrorCode = keyof typeof errorCodes;

export interface PipelineErrorOptions {
  retriable?: boolean;
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** An error with a stable code, a retriable flag and log-safe details. */
export class PipelineError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: PipelineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PipelineError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.details = options.details ?? {};
  }
}

/** Carries the delay a throttling sink asked for. */
export class SinkThrottledError extends PipelineError {
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs: number, options: PipelineErrorOptions = {}) {
    super('SINK_THROTTLED', message, { ...options, retriable: true });
    this.retryAfterMs = retryAfterMs;
  }
}

export function isPipelineError(err: unknown, code?: ErrorCode): err is PipelineError {
  return err instanceof PipelineError && (code === undefined || err.code === code);
}
