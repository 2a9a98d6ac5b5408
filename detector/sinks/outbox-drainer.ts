// Delivers one sink's outbox queue: read a bounded batch from the head, write
// it, delete it on success; back off on a retriable error, dead-letter on a
// non-retriable one or after the last attempt (by count or by age). All state
// is in the table, so after a restart the drainer simply continues where the
// queue stands. It also prunes its sink's dead letters past their keep time.
import {
  type Clock,
  createRateLimitedLog,
  isPipelineError,
  type Logger,
  noopTelemetry,
  SinkThrottledError,
  type Telemetry,
} from '../../core/index.js';
import type { Outbox } from './outbox.js';
import { backoffDelayMs, isLastAttempt, type RetryPolicy, retryDelayMs } from './retry-policy.js';
import type { OutboxRow, Sink } from './sink.js';

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface OutboxDrainerDeps {
  clock: Clock;
  logger: Logger;
  telemetry?: Telemetry;
  /** Uniform in [0, 1); jitter of the back-off. */
  random?: () => number;
  /** Waits `ms`, or less when `signal` aborts. Tests inject one that returns at once. */
  sleep?: Sleep;
  /** Subscribes to "rows were enqueued" (LocalStore.onCommit) so an idle drainer wakes at once. */
  onEnqueue?: (listener: () => void) => () => void;
  /** Longest idle wait between two looks at the queue. */
  idlePollMs?: number;
}

/** What one `drainOnce` did. */
export interface DrainStep {
  delivered: number;
  retried: number;
  deadLettered: number;
  /** When the head of the queue is due next; undefined when the queue is empty. */
  nextDueMs: number | undefined;
}

export interface OutboxDrainer {
  /** Connects the sink (retrying with back-off) and drains until closed. */
  start(): void;
  /** Writes at most one batch; for tests and for `close`. */
  drainOnce(): Promise<DrainStep>;
  /** Delivers what is due within `timeoutMs`, then stops the loop and closes the sink. Rows left stay queued. */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

export const defaultSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

function describeError(err: unknown): string {
  if (isPipelineError(err)) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

export function createOutboxDrainer(
  sink: Sink,
  outbox: Outbox,
  retryPolicy: RetryPolicy,
  deps: OutboxDrainerDeps,
): OutboxDrainer {
  const { clock } = deps;
  const logger = deps.logger.child({ component: 'detector.sinks.drainer', sink: sink.name });
  const rateLimited = createRateLimitedLog(logger, clock);
  const telemetry = deps.telemetry ?? noopTelemetry;
  const random = deps.random ?? Math.random;
  const sleep = deps.sleep ?? defaultSleep;
  const idlePollMs = deps.idlePollMs ?? 1_000;
  let wake = new AbortController();
  const stop = new AbortController();
  let isStopping = false;
  let loop: Promise<void> | undefined;

  const emptyStep = (): DrainStep => ({ delivered: 0, retried: 0, deadLettered: 0, nextDueMs: undefined });

  /** Records a failure of `rows`; returns the step counts. */
  function fail(rows: readonly OutboxRow[], err: unknown, step: DrainStep): void {
    const ids = rows.map((r) => r.id);
    const error = describeError(err);
    // An error that is not ours is treated as retriable: retrying may waste
    // time, dropping would lose data.
    const isRetriable = isPipelineError(err) ? err.retriable : true;
    const failedAttempts = Math.max(...rows.map((r) => r.attempts)) + 1;
    const ageMs = clock.nowMs() - Math.min(...rows.map((r) => r.createdMs));
    if (!isRetriable || isLastAttempt(retryPolicy, failedAttempts, ageMs)) {
      outbox.deadLetter(sink.name, ids, error, clock.nowMs());
      telemetry.count('sink_dead_letters_total', { sink: sink.name }, rows.length);
      step.deadLettered += rows.length;
      logger.error(
        { err, rows: rows.length, attempts: failedAttempts, ageMs, firstKey: rows[0].key },
        isRetriable
          ? 'Delivery failed on the last attempt; moved to dead letters.'
          : 'Delivery refused; moved to dead letters.',
      );
      return;
    }
    const delayMs = retryDelayMs(
      retryPolicy,
      failedAttempts,
      ageMs,
      random,
      err instanceof SinkThrottledError ? err.retryAfterMs : undefined,
    );
    outbox.reschedule(sink.name, ids, clock.nowMs() + delayMs, error);
    telemetry.count('sink_retries_total', { sink: sink.name }, rows.length);
    step.retried += rows.length;
    rateLimited.warn(
      `retry:${sink.name}`,
      { err, rows: rows.length, attempts: failedAttempts, delayMs },
      'Delivery failed; will retry.',
    );
  }

  async function drainOnce(): Promise<DrainStep> {
    const step = emptyStep();
    const rows = outbox.peek(sink.name, clock.nowMs(), sink.maxBatchRows, sink.maxBatchBytes);
    if (rows.length > 0) {
      try {
        await sink.write(rows);
        outbox.remove(
          sink.name,
          rows.map((r) => r.id),
        );
        telemetry.count('sink_records_delivered_total', { sink: sink.name }, rows.length);
        step.delivered += rows.length;
      } catch (err) {
        const isRetriable = isPipelineError(err) ? err.retriable : true;
        if (isRetriable || rows.length === 1) {
          fail(rows, err, step);
        } else {
          // One bad row must not take the batch with it: try them one by one.
          for (const [i, row] of rows.entries()) {
            try {
              await sink.write([row]);
              outbox.remove(sink.name, [row.id]);
              telemetry.count('sink_records_delivered_total', { sink: sink.name }, 1);
              step.delivered += 1;
            } catch (rowErr) {
              const isRowRetriable = isPipelineError(rowErr) ? rowErr.retriable : true;
              fail(isRowRetriable ? rows.slice(i) : [row], rowErr, step);
              if (isRowRetriable) break;
            }
          }
        }
      }
    }
    step.nextDueMs = outbox.headDueMs(sink.name);
    return step;
  }

  async function connectWithRetry(): Promise<void> {
    for (let failed = 1; !isStopping; failed++) {
      try {
        await sink.connect();
        return;
      } catch (err) {
        const delayMs = backoffDelayMs(retryPolicy, failed, random);
        rateLimited.warn(`connect:${sink.name}`, { err, delayMs }, 'Sink not reachable yet; will retry.');
        await sleep(delayMs, stop.signal);
      }
    }
  }

  async function run(): Promise<void> {
    const unsubscribe = deps.onEnqueue?.(() => wake.abort());
    try {
      await connectWithRetry();
      while (!isStopping) {
        let step: DrainStep;
        try {
          step = await drainOnce();
        } catch (err) {
          // The outbox itself failed (disk); keep the loop alive and try later.
          rateLimited.warn(`outbox:${sink.name}`, { err }, 'Reading the outbox failed; will retry.');
          step = { ...emptyStep(), nextDueMs: clock.nowMs() + idlePollMs };
        }
        if (step.delivered > 0 && step.retried === 0) continue;
        const waitMs =
          step.nextDueMs === undefined
            ? idlePollMs
            : Math.min(idlePollMs, Math.max(0, step.nextDueMs - clock.nowMs()));
        if (wake.signal.aborted) {
          // Rows arrived while this turn ran: look again instead of sleeping.
          wake = new AbortController();
          continue;
        }
        if (waitMs > 0 && !isStopping) {
          await sleep(waitMs, wake.signal);
          if (wake.signal.aborted && !isStopping) wake = new AbortController();
        }
      }
    } finally {
      unsubscribe?.();
    }
  }

  return {
    start() {
      if (loop !== undefined) return;
      loop = run().catch((err: unknown) => logger.error({ err }, 'Drainer stopped unexpectedly.'));
    },
    drainOnce,
    async close(options = {}) {
      const deadline = clock.monotonicMs() + (options.timeoutMs ?? 5_000);
      const remainingMs = (): number => Math.max(0, deadline - clock.monotonicMs());
      const isDue = (): boolean => {
        try {
          const due = outbox.headDueMs(sink.name);
          return due !== undefined && due <= clock.nowMs();
        } catch {
          return false; // the store is already closed: nothing more can be flushed
        }
      };
      if (loop === undefined) {
        while (isDue() && remainingMs() > 0) {
          const step = await drainOnce();
          if (step.delivered === 0 && step.deadLettered === 0) break;
        }
      } else {
        while (isDue() && remainingMs() > 0) await sleep(Math.min(20, remainingMs()));
      }
      isStopping = true;
      stop.abort();
      wake.abort();
      if (loop !== undefined) {
        // The deadline's timer goes with the loop: left running it would hold the process
        // for the rest of the deadline after everything was flushed.
        const deadlineWait = new AbortController();
        await Promise.race([loop, sleep(remainingMs(), deadlineWait.signal)]);
        deadlineWait.abort();
      }
      await sink.close();
    },
  };
}
