// The contract between the outbox drainer and a downstream system (InfluxDB,
// a webhook endpoint), and the route that turns committed records into that
// sink's outbox rows. A sink only says whether an error is retriable; when to
// retry is the drainer's business (retry-policy.ts).
import type { RecordBatch } from './records.js';

/** One queued delivery: what a route encoded at commit time, plus its retry state. */
export interface OutboxRow {
  id: number;
  sink: string;
  /** Idempotency key, unique per sink. */
  key: string;
  /** Encoded at commit time: a line-protocol line, a webhook body. */
  payload: string;
  /** Failed attempts so far. */
  attempts: number;
  createdMs: number;
}

/** One row to enqueue. */
export interface OutboxEntry {
  key: string;
  payload: string;
}

/**
 * Lifecycle: `connect()` first (may be retried until it resolves), then any
 * number of `write()` calls, never two at a time; `close()` last, after which
 * nothing else is called.
 *
 * `write` resolves when every row was accepted. It rejects with a
 * `PipelineError` whose `retriable` says whether the same rows may succeed
 * later (`SinkThrottledError` carries the delay the server asked for); a
 * non-retriable rejection of a batch of several rows makes the drainer try
 * them one by one, so only the bad row becomes a dead letter.
 */
export interface Sink {
  /** Unique among sinks; names this sink's outbox queue. */
  readonly name: string;
  /** Upper bounds of one `write`; the drainer never hands more (at least one row). */
  readonly maxBatchRows: number;
  readonly maxBatchBytes: number;
  connect(): Promise<void>;
  write(rows: readonly OutboxRow[]): Promise<void>;
  close(): Promise<void>;
}

/** Encodes a committed batch into outbox entries of one sink; pure and deterministic. */
export interface OutboxRoute {
  readonly sink: string;
  /** How long the sink's dead letters are kept; the store's `retention.deadLettersMaxAgeDays` when absent. */
  readonly deadLetterMaxAgeMs?: number;
  encode(batch: RecordBatch): OutboxEntry[];
}
