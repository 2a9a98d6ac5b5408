// The InfluxDB sink: outbox rows are line-protocol lines, written in batches
// to `/api/v2/write` (InfluxDB 1.8+, 2.x, 3 Core) with ms precision through
// the client's transport, without the client's own buffer and retries (the
// outbox retries). Points are keyed by measurement + tags + time, so a
// redelivered point overwrites itself: delivery is idempotent.
import { HttpError, InfluxDB } from '@influxdata/influxdb-client';
import { type Clock, type Logger, PipelineError, SinkThrottledError } from '../../core/index.js';
import { type InfluxdbSinkConfig, sinkQueueName } from './config.js';
import {
  type EncodedPoint,
  encodeAlertPoint,
  encodeFramePoint,
  encodeModelEventPoint,
  encodeScorePoint,
} from './line-protocol.js';
import type { RecordBatch } from './records.js';
import { parseRetryAfterMs } from './retry-policy.js';
import type { OutboxEntry, OutboxRoute, Sink } from './sink.js';

/** The outbox route of an InfluxDB sink: one line per record, keyed by its point identity. */
export function createInfluxdbRoute(config: InfluxdbSinkConfig): OutboxRoute {
  return {
    sink: sinkQueueName(config),
    encode(batch: RecordBatch): OutboxEntry[] {
      const points: (EncodedPoint | undefined)[] = [];
      if (config.measurements.scores) for (const s of batch.scores) points.push(encodeScorePoint(s));
      if (config.measurements.alerts) for (const a of batch.alerts) points.push(encodeAlertPoint(a));
      if (config.measurements.frames) for (const f of batch.frames) points.push(encodeFramePoint(f));
      for (const e of batch.modelEvents ?? []) points.push(encodeModelEventPoint(e));
      const entries: OutboxEntry[] = [];
      for (const p of points) if (p !== undefined) entries.push({ key: p.seriesTimeKey, payload: p.line });
      return entries;
    },
  };
}

export interface InfluxdbSinkDeps {
  clock: Clock;
  logger: Logger;
}

const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Wraps a client error once, at the adapter, with `retriable` set (STYLE §6). */
export function classifyInfluxdbError(err: unknown, what: string, nowMs: number): PipelineError {
  if (err instanceof HttpError) {
    const status = err.statusCode;
    const details = { statusCode: status, body: err.body?.slice(0, 500) };
    if (status === 429 || status === 503) {
      const header = err.headers?.['retry-after'];
      const retryAfterMs = parseRetryAfterMs(Array.isArray(header) ? header[0] : header, nowMs) ?? 0;
      return new SinkThrottledError(`InfluxDB asked to slow down on ${what} (HTTP ${status})`, retryAfterMs, {
        cause: err,
        details,
      });
    }
    const isRetriable = status >= 500 || status === 408;
    return new PipelineError(
      'SINK_WRITE_FAILED',
      isRetriable
        ? `InfluxDB failed on ${what} (HTTP ${status})`
        : `InfluxDB refused ${what} (HTTP ${status}: ${err.body ?? err.statusMessage ?? ''}); check the sink's url, token, bucket and the points`,
      { retriable: isRetriable, cause: err, details },
    );
  }
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return new PipelineError(
    'SINK_WRITE_FAILED',
    `InfluxDB not reachable on ${what}: ${(err as Error)?.message}`,
    {
      // Timeouts, refused connections and anything else below HTTP are worth retrying.
      retriable: true,
      cause: err,
      details: { networkCode: code, isKnownNetworkError: code !== undefined && networkCodes.has(code) },
    },
  );
}

export function createInfluxdbSink(config: InfluxdbSinkConfig, deps: InfluxdbSinkDeps): Sink {
  const logger = deps.logger.child({ component: 'detector.sinks.influxdb', sink: config.name });
  const client = new InfluxDB({ url: config.url, token: config.token.reveal(), timeout: config.timeoutMs });
  const writePath = `/api/v2/write?${new URLSearchParams({ org: config.org, bucket: config.bucket, precision: 'ms' })}`;
  let isClosed = false;
  return {
    name: sinkQueueName(config),
    maxBatchRows: config.maxBatchRows,
    maxBatchBytes: config.maxBatchBytes,
    async connect() {
      try {
        await client.transport.request('/ping', '', { method: 'GET' });
        logger.info({ url: config.url, bucket: config.bucket }, 'InfluxDB sink connected.');
      } catch (err) {
        throw classifyInfluxdbError(err, 'ping', deps.clock.nowMs());
      }
    },
    async write(rows) {
      if (isClosed) throw new PipelineError('SINK_WRITE_FAILED', 'write after the InfluxDB sink was closed');
      const body = rows.map((r) => r.payload).join('\n');
      try {
        await client.transport.request(writePath, body, {
          method: 'POST',
          headers: { 'content-type': 'text/plain; charset=utf-8' },
        });
      } catch (err) {
        throw classifyInfluxdbError(err, `write of ${rows.length} points`, deps.clock.nowMs());
      }
    },
    async close() {
      isClosed = true;
    },
  };
}
