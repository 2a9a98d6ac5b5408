// Public surface of detector/sinks: the local store (embedded store + outbox),
// the drainer, the InfluxDB and webhook sinks, and their config schemas.

export type { AlertFeed } from './alert-feed.js';
export { createAlertFeed, formatAlertLine } from './alert-feed.js';
export type {
  InfluxdbSinkConfig,
  SinkConfig,
  SinksConfig,
  StoreConfig,
  WebhookSinkConfig,
} from './config.js';
export {
  influxdbSinkConfigSchema,
  retentionSchema,
  sinkConfigSchema,
  sinkQueueName,
  sinksConfigSchema,
  storeConfigSchema,
  webhookSinkConfigSchema,
} from './config.js';
export { listDeadLetters, replayDeadLetters } from './dead-letters.js';
export type { SinkDrainersDeps } from './delivery.js';
export { createSinkDrainers, createSinkRoutes } from './delivery.js';
export { createInfluxdbRoute, createInfluxdbSink } from './influxdb-sink.js';
export type { InfluxqlReader, InfluxqlReaderConfig } from './influxql-reader.js';
export { createInfluxqlReader } from './influxql-reader.js';
export type { LocalStore, LocalStoreDeps, LocalStoreOptions, PipelineCommit } from './local-store.js';
export { createLocalStore } from './local-store.js';
export type { ModelEventQuery } from './model-events.js';
export type { LabelQuery } from './operator-labels.js';
export type { DeadLetter, Outbox } from './outbox.js';
export type { DrainStep, OutboxDrainer, OutboxDrainerDeps, Sleep } from './outbox-drainer.js';
export { createOutboxDrainer } from './outbox-drainer.js';
export type { JournalDelivery, JournalReading } from './reading-journal.js';
export type { AlertQuery, FrameQuery, RecordReader, ScoreQuery } from './record-reader.js';
export type {
  AlertEventRecord,
  FrameRecord,
  ModelEventKind,
  ModelEventRecord,
  RecordBatch,
  ScoreRecord,
  StoredOperatorLabel,
} from './records.js';
export type { RetryPolicy } from './retry-policy.js';
export { retryPolicySchema } from './retry-policy.js';
export type { SilencePeriod, StoredSilence } from './silence-history.js';
export type { OutboxEntry, OutboxRoute, OutboxRow, Sink } from './sink.js';
export type { StoreReader } from './store-reader.js';
export { openStoreReader } from './store-reader.js';
export type { PruneReport } from './store-retention.js';
export type { StoreSpace } from './store-space.js';
export { describeStoreFull } from './store-space.js';
export { storedFrameSegment } from './stored-frame-segment.js';
export type { SinkBacklog } from './undelivered.js';
export { undeliveredBySink } from './undelivered.js';
export type { WebhookVerification } from './webhook-signature.js';
export { signWebhook, verifyWebhookSignature } from './webhook-signature.js';
export type { AlertEventEnvelope } from './webhook-sink.js';
export { alertEventSource, createWebhookRoute, createWebhookSink } from './webhook-sink.js';
