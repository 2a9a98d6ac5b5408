// The JSON of the HTTP API of `gruwatch run`, declared once: the server's
// answers and request bodies, the page's types (z.infer) and the tests' checks
// all come from these schemas. Answers are open objects (the server may add
// fields; the page relies on the ones named here); request bodies are strict.
import { z } from 'zod';
import { assetStatusSchema, severitySchema } from '../../core/asset-status.js';

const ms = z.number().describe('Milliseconds since the Unix epoch.');
const names = z.array(z.string()).readonly();

export { assetStatusSchema, severitySchema };
export const channelShareSchema = z.object({ channel: z.string(), share: z.number() });

/** `GET /healthz`. */
export const healthSchema = z.object({ status: z.literal('ok') });

/** One line of `GET /readyz`. */
export const readinessCheckSchema = z.object({
  name: z.string(),
  ready: z.boolean(),
  detail: z.string().optional(),
  /** Figures behind the verdict (e.g. the store's free bytes), for operators and probes. */
  figures: z.record(z.string(), z.number()).optional(),
});
export const readinessSchema = z.object({ ready: z.boolean(), checks: z.array(readinessCheckSchema) });

/** `GET /api/session`: who the caller is and the time zone the page shows times in. */
export const sessionSchema = z.object({ access: z.enum(['operator', 'viewer']), timeZone: z.string() });

/** `GET /api/assets` items and `status` stream events after a scored window. */
export const assetSnapshotSchema = z.object({
  assetId: z.string(),
  status: assetStatusSchema,
  lastAtMs: ms.nullable(),
  score: z.number().nullable(),
  threshold: z.number().nullable(),
  ratio: z.number().nullable(),
  topChannels: z.array(channelShareSchema),
  openAlertId: z.string().nullable(),
  /** Severity of the open alert, when the service adds it. */
  severity: severitySchema.nullable().optional(),
});

/** `GET /api/assets/:id/scores` items and `score` stream events. */
export const scorePointSchema = z.object({
  assetId: z.string(),
  atMs: ms,
  score: z.number(),
  threshold: z.number().nullable(),
  ratio: z.number().nullable(),
  modelVersion: z.string().optional(),
  state: z.string().optional(),
  channels: names.optional(),
  contributions: z.array(z.number()).readonly().optional(),
  /** Channel names (stored scores) or shares (stream events). */
  topChannels: z
    .array(z.union([z.string(), channelShareSchema]))
    .readonly()
    .optional(),
  /** The asset's status after this window (stream events only). */
  status: assetStatusSchema.optional(),
});

/** `status` stream events: an asset's status after a window that was not scored. */
export const statusUpdateSchema = z.object({
  assetId: z.string(),
  atMs: ms,
  status: assetStatusSchema,
  /** Why the window was not scored (gap, unknown, off, no_model, warming_up, failed). */
  reason: z.string().optional(),
  /** With reason `failed`: the error code and message of what failed while judging the window. */
  code: z.string().optional(),
  detail: z.string().optional(),
});

/** `GET /api/alerts` items (stored records) and `alert` stream events (lifecycle events). */
export const alertEventSchema = z.object({
  id: z.string(),
  assetId: z.string(),
  type: z.string(),
  severity: severitySchema,
  ratio: z.number().nullable(),
  peakRatio: z.number(),
  topChannels: z.array(z.union([z.string(), channelShareSchema])).readonly(),
  atMs: ms,
  openedAtMs: ms,
  modelVersion: z.string().optional(),
  reason: z.string().nullable().optional(),
});

/** `GET /api/assets/:id/frames`: signals and the model's reconstruction (null where missing). */
export const framesSchema = z.object({
  /** False when the service does not provide frames. */
  available: z.boolean().optional(),
  channels: names,
  points: z.array(
    z.object({
      atMs: ms,
      values: z.array(z.number().nullable()),
      reconstruction: z.array(z.number().nullable()).nullable(),
    }),
  ),
});

/** A silence as `GET /api/silences` lists it; configured ones have no id. */
export const silenceSchema = z.object({
  id: z.string().nullable().optional(),
  source: z.enum(['config', 'api']).optional(),
  assetPattern: z.string(),
  untilMs: ms,
  reason: z.string(),
  createdBy: z.string(),
  createdAtMs: ms.optional(),
});

/** The longest silence; an end time further out is refused like a longer duration. */
export const maxSilenceMs = 31 * 24 * 3600_000;

/** The body of `POST /api/silences`. */
export const silenceBodySchema = z
  .strictObject({
    asset: z.string().min(1).describe('Asset id or glob pattern (e.g. "pump-*").'),
    durationMs: z.number().int().positive().max(maxSilenceMs).optional(),
    untilMs: z.number().int().positive().optional(),
    reason: z.string().max(500).default(''),
    createdBy: z.string().max(200).default('api'),
  })
  .refine((b) => (b.durationMs === undefined) !== (b.untilMs === undefined), {
    message: 'give exactly one of durationMs and untilMs',
  });

const labelKindSchema = z.enum(['normal', 'not_normal']);

/** The body of `POST /api/labels`: a period an operator marks as normal or not normal. */
export const labelBodySchema = z
  .strictObject({
    assetPattern: z.string().min(1).describe('Asset id or glob pattern the label applies to.'),
    fromMs: z.int().describe('Start of the period (inclusive).'),
    toMs: z.int().describe('End of the period (exclusive).'),
    kind: labelKindSchema,
    reason: z.string().trim().min(1),
    createdBy: z.string().min(1).default('api'),
  })
  .refine((label) => label.toMs > label.fromMs, {
    message: 'toMs must be later than fromMs (the period is [fromMs, toMs), so it would be empty)',
    path: ['toMs'],
  });

/** `GET /api/labels` items and the answer of `POST /api/labels`. */
export const labelSchema = z.object({
  id: z.string(),
  assetPattern: z.string(),
  fromMs: ms,
  toMs: ms,
  kind: labelKindSchema,
  reason: z.string(),
  createdBy: z.string(),
  createdAtMs: ms,
});

/** `GET /api/deliveries` items: rows waiting per sink and the age of the oldest. */
export const deliverySchema = z.object({
  sink: z.string(),
  queuedRows: z.number().int().min(0),
  oldestUndeliveredAgeMs: z.number().min(0).nullable(),
});

/** A step in the life of a model's versions (`GET /api/models/events` items, newest first). */
export const modelEventSchema = z.object({
  atMs: ms,
  model: z.string(),
  event: z.string(),
  version: z.string().optional(),
  previousVersion: z.string().optional(),
  reason: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export const retrainOutcomeSchema = z.enum([
  'promoted',
  'awaiting_approval',
  'shadow',
  'refused',
  'skipped',
  'failed',
]);

/** Where a model's retraining stands. */
export const retrainingSchema = z.object({
  enabled: z.boolean(),
  schedule: z.string().nullable(),
  nextRunAtMs: ms.nullable(),
  running: z.boolean(),
  progress: z.object({ epoch: z.number(), epochs: z.number() }).nullable().optional(),
  lastRun: z
    .object({
      atMs: ms,
      outcome: retrainOutcomeSchema,
      reason: z.string(),
      durationMs: z.number(),
      candidateVersion: z.string().optional(),
    })
    .nullable(),
  pendingApproval: z.object({ version: z.string(), atMs: ms, reasons: z.array(z.string()) }).nullable(),
  shadow: z
    .object({
      version: z.string(),
      startedAtMs: ms,
      endsAtMs: ms,
      candidateAlerts: z.number(),
      currentAlerts: z.number(),
    })
    .nullable(),
});

export const lossPointSchema = z.object({
  epoch: z.number(),
  trainLoss: z.number(),
  validationLoss: z.number().nullable(),
});

/** `GET /api/models` items: the current model of an asset group and what the service knows of it. */
export const modelViewSchema = z.object({
  /** Name of the model (asset group). */
  name: z.string(),
  version: z.string().nullable(),
  createdAt: z.string().nullable(),
  channels: names,
  dims: z.object({ C: z.number(), T: z.number(), H: z.number().optional() }).nullable(),
  threshold: z.number().nullable(),
  calibration: z.looseObject({ type: z.string(), value: z.number(), n: z.number().optional() }).nullable(),
  training: z
    .object({
      dataRange: z.object({ startMs: ms, endMs: ms }).nullable(),
      windows: z.number(),
      epochs: z.number(),
      bestEpoch: z.number(),
      lossCurve: z.array(lossPointSchema),
      warmStartFrom: z.string().nullable().optional(),
    })
    .nullable(),
  /** Set when the group's channels differ from its current model's: why, and what to do. */
  needsNewModel: z.string().nullable(),
  retraining: retrainingSchema.nullable(),
  /** Newest first. */
  retrainHistory: z.array(modelEventSchema),
});

/** The answer of `POST /api/models/:name/retrain` (202: queued, not finished). */
export const retrainQueuedSchema = z.object({
  model: z.string(),
  queued: z.literal(true),
  retraining: retrainingSchema.nullable(),
});

/** The body of `POST /api/models/:name/promote`. */
export const promoteBodySchema = z.strictObject({ version: z.string().min(1) });

/** The answer of `POST /api/models/:name/rollback`: the versions it moved between and the model now. */
export const rollbackSchema = z.object({ from: z.string(), to: z.string(), model: modelViewSchema });

/** Every refusal: a code word and, except for bad requests, a sentence saying what to do. */
export const refusalSchema = z.union([
  z.object({ error: z.literal('bad_request'), problems: z.array(z.string()) }),
  z.object({ error: z.string(), message: z.string() }),
]);

/** One server-sent event of `/api/stream`: the event name is `type`, the data line is `data`. */
export const liveMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('score'), data: scorePointSchema }),
  z.object({ type: z.literal('alert'), data: alertEventSchema }),
  z.object({ type: z.literal('status'), data: z.union([statusUpdateSchema, assetSnapshotSchema]) }),
  z.object({ type: z.literal('model'), data: modelViewSchema }),
]);
