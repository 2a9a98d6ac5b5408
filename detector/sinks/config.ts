// The `store` section (the local SQLite database: embedded store and outbox)
// and the `sinks` list (InfluxDB, webhook endpoints). The schema is the type,
// the validator, the defaults and the documentation (STYLE §5).
import { z } from 'zod';
import { secretSchema } from '../../core/index.js';
import { retryPolicySchema } from './retry-policy.js';

const dayMs = 86_400_000;

export const retentionSchema = z
  .strictObject({
    scoresMaxAgeDays: z
      .number()
      .positive()
      .default(30)
      .describe('Scores older than this many days are pruned.'),
    alertsMaxAgeDays: z
      .number()
      .positive()
      .default(365)
      .describe('Alert events older than this many days are pruned.'),
    framesMaxAgeDays: z
      .number()
      .positive()
      .default(14)
      .describe('Aligned sensor frames older than this many days are pruned (retraining reads them back).'),
    deadLettersMaxAgeDays: z
      .number()
      .positive()
      .default(30)
      .describe(
        'Dead letters (deliveries that failed for good) older than this many days are pruned; a webhook sink may keep its own longer or shorter (deadLetterMaxAgeDays).',
      ),
    assetStateMaxAgeDays: z
      .number()
      .positive()
      .default(30)
      .describe(
        'The stored detector state of an asset that has not been committed for this many days is pruned (the asset starts fresh if it comes back).',
      ),
    modelEventsMaxAgeDays: z
      .number()
      .positive()
      .default(365)
      .describe('Model events (retraining, promotions, rollbacks) older than this many days are pruned.'),
    pruneIntervalMs: z
      .int()
      .positive()
      .default(60_000)
      .describe(
        'How often, at most, a commit is followed by a pruning pass. A pass deletes what the rows written since the previous pass require, however many that is.',
      ),
    pruneChunkRows: z
      .int()
      .positive()
      .default(5_000)
      .describe(
        'Rows one delete statement removes; a pruning pass runs as many as it needs, each its own short transaction, so a commit never waits long behind one.',
      ),
  })
  .describe('How long the embedded store keeps records (by record time, not insertion time).');

export type RetentionConfig = z.infer<typeof retentionSchema>;

export const storeConfigSchema = z
  .strictObject({
    path: z
      .string()
      .min(1)
      .optional()
      .describe(
        'File of the local SQLite database (WAL mode): the embedded store of scores, alerts and frames, and the outbox of every sink. Defaults to gruwatch.db in dataDir.',
      ),
    synchronous: z
      .enum(['full', 'normal'])
      .default('full')
      .describe(
        'SQLite `synchronous` setting. `full` makes every commit survive a power loss; `normal` survives a process crash but may lose the newest commits on power loss, for less disk flushing.',
      ),
    maxOutboxRows: z
      .int()
      .positive()
      .default(1_000_000)
      .describe(
        'Most rows waiting for delivery, over all sinks. When full, commits fail with a retriable error so input stays with the broker (backpressure); nothing is dropped.',
      ),
    maxOutboxBytes: z
      .int()
      .positive()
      .default(512 * 1024 * 1024)
      .describe(
        'Most payload bytes waiting for delivery, over all sinks; same behaviour as `maxOutboxRows`.',
      ),
    minFreeBytes: z
      .int()
      .nonnegative()
      .default(64 * 1024 * 1024)
      .describe(
        'Free space the file system of the store must keep. Below it (or when SQLite reports the disk full) the store refuses commits: input stays unacknowledged with the broker, `/readyz` reports "store full", pruning goes on, and intake resumes by itself once the space is back. 0 relies on SQLITE_FULL alone.',
      ),
    walMaxBytes: z
      .int()
      .positive()
      .default(64 * 1024 * 1024)
      .describe(
        'Size the write-ahead log is truncated back to after a checkpoint (SQLite `journal_size_limit`); with the periodic checkpoints it bounds the -wal file.',
      ),
    retention: retentionSchema.prefault({}),
  })
  .describe('The local database every batch is committed to before it is acknowledged.');

export type StoreConfig = z.infer<typeof storeConfigSchema>;

export const influxdbSinkConfigSchema = z
  .strictObject({
    type: z.literal('influxdb').describe('Write scores, alert events and frames to InfluxDB (v2 write API).'),
    name: z
      .string()
      .min(1)
      .default('influxdb')
      .describe('Name of this sink; names its outbox queue and metrics.'),
    url: z.url().describe('Base URL of InfluxDB, e.g. `http://127.0.0.1:8086`.'),
    token: secretSchema.describe(
      'API token (a secret). For InfluxDB 1.8 with authentication, `username:password`.',
    ),
    org: z.string().default('-').describe('Organisation (InfluxDB 2.x); ignored by 1.8 and 3 Core.'),
    bucket: z
      .string()
      .min(1)
      .describe('Bucket written to; for InfluxDB 1.8 `database/retention-policy`, e.g. `gruwatch/autogen`.'),
    database: z
      .string()
      .min(1)
      .describe('Database name InfluxQL reads use (on 2.x a DBRP mapping of the bucket).'),
    timeoutMs: z.int().positive().default(10_000).describe('Timeout of one write or query request.'),
    maxBatchRows: z.int().positive().default(5_000).describe('Most points per write request.'),
    maxBatchBytes: z
      .int()
      .positive()
      .default(1_000_000)
      .describe('Most line-protocol bytes per write request (a single larger point is still sent alone).'),
    measurements: z
      .strictObject({
        scores: z.boolean().default(true).describe('Write `gruwatch_score` points.'),
        alerts: z.boolean().default(true).describe('Write `gruwatch_alert` points.'),
        frames: z.boolean().default(true).describe('Write `gruwatch_frame` points.'),
      })
      .prefault({})
      .describe('Which measurements this sink writes.'),
    retry: retryPolicySchema
      .prefault({})
      .describe('Retry schedule; by default retries forever, the bounded outbox holds the backlog.'),
  })
  .describe('An InfluxDB sink.');

export type InfluxdbSinkConfig = z.infer<typeof influxdbSinkConfigSchema>;

export const webhookSinkConfigSchema = z
  .strictObject({
    type: z.literal('webhook').describe('POST each alert event, signed, to an HTTP endpoint.'),
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'use letters, digits, `_`, `.` or `-`')
      .describe('Name of the endpoint; part of the idempotency key, so keep it stable.'),
    url: z.url().describe('URL the events are POSTed to.'),
    signingKey: secretSchema.describe(
      'HMAC-SHA256 key (a secret) the `webhook-signature` header is computed with; share it with the receiver. From { file: PATH } one trailing line break is dropped, nothing else: the receiver must use the same bytes.',
    ),
    assets: z
      .array(z.string().min(1))
      .min(1)
      .default(['*'])
      .describe('Asset ids or globs (`*`, `?`) whose events this endpoint receives.'),
    minSeverity: z
      .enum(['warning', 'critical'])
      .default('warning')
      .describe('Events below this severity are not sent to this endpoint.'),
    events: z
      .array(z.enum(['opened', 'escalated', 'resolved', 'data_quality']))
      .min(1)
      .default(['opened', 'escalated', 'resolved'])
      .describe(
        'Event types this endpoint receives; data_quality (a channel of an asset stopped reporting or came back, reason channel_silent or channel_restored) only when listed.',
      ),
    timeoutMs: z.int().positive().default(10_000).describe('Timeout of one POST, response included.'),
    headers: z
      .record(z.string(), z.string())
      .default({})
      .describe('Extra HTTP headers sent with every request (they cannot replace the signature headers).'),
    retry: retryPolicySchema
      .prefault({ maxRetryMs: 86_400_000, maxDelayMs: 300_000 })
      .describe(
        'Retry schedule; by default an event is retried for 24 hours (`maxRetryMs`), at most 5 minutes apart, before it becomes a dead letter (replay it later). 401, 403, 408, 429, 5xx and network errors are retried; any other 4xx dead-letters at once.',
      ),
    deadLetterMaxAgeDays: z
      .number()
      .positive()
      .optional()
      .describe(
        'Dead letters of this endpoint are deleted this many days after they became dead letters; store.retention.deadLettersMaxAgeDays (30) when not set.',
      ),
  })
  .describe('A webhook endpoint.');

export type WebhookSinkConfig = z.infer<typeof webhookSinkConfigSchema>;

export const sinkConfigSchema = z.discriminatedUnion('type', [
  influxdbSinkConfigSchema,
  webhookSinkConfigSchema,
]);
export type SinkConfig = z.infer<typeof sinkConfigSchema>;

export const sinksConfigSchema = z
  .array(sinkConfigSchema)
  .default([])
  .superRefine((sinks, ctx) => {
    const seen = new Set<string>();
    sinks.forEach((sink, i) => {
      const name = sinkQueueName(sink);
      if (seen.has(name)) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'name'],
          message: `sink name "${sink.name}" is used twice for type ${sink.type}; give every sink its own \`name\``,
        });
      }
      seen.add(name);
    });
  })
  .describe('Where committed records are delivered. With no InfluxDB sink the embedded store serves reads.');

export type SinksConfig = z.infer<typeof sinksConfigSchema>;

/** The outbox queue name of a configured sink: `influxdb:<name>` or `webhook:<name>`. */
export function sinkQueueName(sink: { type: string; name: string }): string {
  return `${sink.type}:${sink.name}`;
}

/** The tables pruned by age, each with the retention that applies to it. */
export type RetainedTable =
  | 'scores'
  | 'alerts'
  | 'frames'
  | 'dead_letters'
  | 'asset_state'
  | 'model_events'
  | 'silences'
  | 'labels';

export function retentionMs(retention: RetentionConfig): Record<RetainedTable, number> {
  const alerts = retention.alertsMaxAgeDays * dayMs;
  return {
    scores: retention.scoresMaxAgeDays * dayMs,
    alerts,
    frames: retention.framesMaxAgeDays * dayMs,
    dead_letters: retention.deadLettersMaxAgeDays * dayMs,
    asset_state: retention.assetStateMaxAgeDays * dayMs,
    model_events: retention.modelEventsMaxAgeDays * dayMs,
    // Operator actions are kept as long as the alerts they explain.
    silences: alerts,
    labels: alerts,
  };
}
