// The drainer over a real SQLite outbox and a scripted sink, time driven by a ManualClock.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createSilentLogger,
  ManualClock,
  MemoryTelemetry,
  PipelineError,
  SinkThrottledError,
} from '../../core/index.js';
import { batchOf, scoreAt } from '../../test/fixtures/sink-records.js';
import { storeConfigSchema, webhookSinkConfigSchema } from './config.js';
import { createLocalStore, type LocalStore } from './local-store.js';
import { createOutboxDrainer, defaultSleep, type Sleep } from './outbox-drainer.js';
import { type RetryPolicy, retryPolicySchema } from './retry-policy.js';
import type { OutboxRoute, OutboxRow, Sink } from './sink.js';

const sinkName = 'test:scores';
const route: OutboxRoute = {
  sink: sinkName,
  encode: (batch) => batch.scores.map((s) => ({ key: `${s.assetId}@${s.atMs}`, payload: `${s.atMs}` })),
};

/** A sink that records what it accepted and fails as scripted per call. */
class ScriptedSink implements Sink {
  readonly name = sinkName;
  readonly maxBatchBytes = 1_000_000;
  readonly accepted: string[] = [];
  readonly calls: string[][] = [];
  failures: ((rows: readonly OutboxRow[]) => Error | undefined)[] = [];
  constructor(readonly maxBatchRows = 100) {}
  async connect(): Promise<void> {}
  async write(rows: readonly OutboxRow[]): Promise<void> {
    this.calls.push(rows.map((r) => r.key));
    const failure = this.failures.shift()?.(rows);
    if (failure !== undefined) throw failure;
    this.accepted.push(...rows.map((r) => r.key));
  }
  async close(): Promise<void> {}
}

const retriable = (): Error => new PipelineError('SINK_WRITE_FAILED', 'server down', { retriable: true });
const refused = (): Error => new PipelineError('SINK_WRITE_FAILED', 'bad point', { retriable: false });

let dir: string;
let stores: LocalStore[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gruwatch-drainer-'));
  stores = [];
});
afterEach(() => {
  for (const s of stores) s.close();
  rmSync(dir, { recursive: true, force: true });
});

function openStore(clock: ManualClock): LocalStore {
  const store = createLocalStore(
    { ...storeConfigSchema.parse({}), path: join(dir, 'gruwatch.db') },
    {
      clock,
      logger: createSilentLogger(),
      routes: [route],
    },
  );
  stores.push(store);
  return store;
}

function commitScores(store: LocalStore, ...atMs: number[]): void {
  store.commit(batchOf({ scores: atMs.map((t) => scoreAt('a', t)) }));
}

/** The drainer's sink counters and the outbox depth, as the drainer reports them. */
function countingTelemetry() {
  const memory = new MemoryTelemetry();
  const counts = {
    get retried() {
      return memory.get('sink_retries_total', { sink: sinkName });
    },
    get delivered() {
      return memory.get('sink_records_delivered_total', { sink: sinkName });
    },
    get deadLettered() {
      return memory.get('sink_dead_letters_total', { sink: sinkName });
    },
    get depth() {
      return memory.get('sink_queue_depth_rows', { sink: sinkName });
    },
  };
  return { counts, telemetry: memory };
}

const policy: RetryPolicy = retryPolicySchema.parse({
  initialDelayMs: 1_000,
  multiplier: 2,
  maxDelayMs: 10_000,
  jitter: 0,
  maxAttempts: 3,
});

describe('outbox drainer', () => {
  it('delivers in commit order, in batches bounded by the sink, and empties the queue', async () => {
    const clock = new ManualClock(0);
    const store = openStore(clock);
    const sink = new ScriptedSink(2);
    commitScores(store, 1, 2, 3, 4, 5);
    const drainer = createOutboxDrainer(sink, store.outbox, policy, { clock, logger: createSilentLogger() });
    for (let i = 0; i < 3; i++) await drainer.drainOnce();
    expect(sink.calls).toEqual([['a@1', 'a@2'], ['a@3', 'a@4'], ['a@5']]);
    expect(store.outbox.depth(sinkName).rows).toBe(0);
    expect((await drainer.drainOnce()).nextDueMs).toBeUndefined();
  });

  it('backs off exponentially on retriable errors and keeps later rows behind the failed head', async () => {
    const clock = new ManualClock(0);
    const store = openStore(clock);
    const sink = new ScriptedSink(1);
    sink.failures = [retriable, retriable];
    commitScores(store, 1, 2);
    const { counts, telemetry } = countingTelemetry();
    const drainer = createOutboxDrainer(
      sink,
      store.outbox,
      { ...policy, maxAttempts: undefined },
      {
        clock,
        logger: createSilentLogger(),
        telemetry,
      },
    );
    expect((await drainer.drainOnce()).nextDueMs).toBe(1_000);
    // Not due yet: nothing is written, the second row does not overtake the first.
    clock.advance(999);
    expect((await drainer.drainOnce()).delivered).toBe(0);
    expect(sink.calls).toEqual([['a@1']]);
    clock.advance(1);
    expect((await drainer.drainOnce()).nextDueMs).toBe(1_000 + 2_000);
    clock.advance(2_000);
    await drainer.drainOnce();
    await drainer.drainOnce();
    expect(sink.accepted).toEqual(['a@1', 'a@2']);
    expect(counts).toMatchObject({ retried: 2, delivered: 2, deadLettered: 0 });
    expect(store.outbox.depth(sinkName).rows).toBe(0);
  });

  it('waits at least as long as a throttling sink asks', async () => {
    const clock = new ManualClock(0);
    const store = openStore(clock);
    const sink = new ScriptedSink();
    sink.failures = [() => new SinkThrottledError('slow down', 30_000)];
    commitScores(store, 1);
    const drainer = createOutboxDrainer(sink, store.outbox, policy, { clock, logger: createSilentLogger() });
    expect((await drainer.drainOnce()).nextDueMs).toBe(30_000);
  });

  it('moves a row to the dead letters after the last attempt, with the error', async () => {
    const clock = new ManualClock(0);
    const store = openStore(clock);
    const sink = new ScriptedSink(1);
    sink.failures = [retriable, retriable, retriable];
    commitScores(store, 1, 2);
    const { counts, telemetry } = countingTelemetry();
    const drainer = createOutboxDrainer(sink, store.outbox, policy, {
      clock,
      logger: createSilentLogger(),
      telemetry,
    });
    for (let i = 0; i < 3; i++) {
      await drainer.drainOnce();
      clock.advance(10_000);
    }
    expect(sink.calls).toEqual([['a@1'], ['a@1'], ['a@1']]);
    const [dead] = store.listDeadLetters();
    expect(dead).toMatchObject({
      sink: sinkName,
      key: 'a@1',
      attempts: 3,
      error: 'SINK_WRITE_FAILED: server down',
    });
    await drainer.drainOnce();
    expect(sink.accepted).toEqual(['a@2']);
    expect(counts).toMatchObject({ retried: 2, delivered: 1, deadLettered: 1 });
  });

  it('dead-letters only the refused row of a batch and delivers the others', async () => {
    const clock = new ManualClock(0);
    const store = openStore(clock);
    const sink = new ScriptedSink(10);
    const refuseBadRow = (rows: readonly OutboxRow[]): Error | undefined =>
      rows.some((r) => r.key === 'a@2') ? refused() : undefined;
    sink.failures = [refuseBadRow, refuseBadRow, refuseBadRow, refuseBadRow];
    commitScores(store, 1, 2, 3);
    const drainer = createOutboxDrainer(sink, store.outbox, policy, { clock, logger: createSilentLogger() });
    const step = await drainer.drainOnce();
    expect(step).toMatchObject({ delivered: 2, deadLettered: 1, retried: 0 });
    expect(sink.accepted).toEqual(['a@1', 'a@3']);
    expect(store.listDeadLetters().map((d) => [d.key, d.attempts])).toEqual([['a@2', 1]]);
  });

  it('replays dead letters into the queue, where they are delivered once', async () => {
    const clock = new ManualClock(0);
    const store = openStore(clock);
    const sink = new ScriptedSink();
    sink.failures = [refused];
    commitScores(store, 1);
    const drainer = createOutboxDrainer(sink, store.outbox, policy, { clock, logger: createSilentLogger() });
    await drainer.drainOnce();
    expect(store.outbox.depth(sinkName).rows).toBe(0);
    const [dead] = store.listDeadLetters({ sink: sinkName });
    expect(store.replayDeadLetters({ ids: [dead.id] })).toBe(1);
    expect(store.listDeadLetters()).toEqual([]);
    await drainer.drainOnce();
    await drainer.drainOnce();
    expect(sink.accepted).toEqual(['a@1']);
    expect(store.replayDeadLetters({ sink: sinkName })).toBe(0);
  });

  it('after a crash mid-outage, continues from the reopened database and delivers every row once', async () => {
    const clock = new ManualClock(0);
    const first = openStore(clock);
    const downSink = new ScriptedSink(2);
    downSink.failures = [retriable, retriable];
    commitScores(first, 1, 2, 3);
    const before = createOutboxDrainer(downSink, first.outbox, policy, {
      clock,
      logger: createSilentLogger(),
    });
    await before.drainOnce();
    clock.advance(1_000);
    await before.drainOnce();
    // Process death: the handle goes away without flushing or draining.
    first.close();

    clock.advance(60_000);
    const second = openStore(clock);
    commitScores(second, 4);
    const upSink = new ScriptedSink(2);
    const after = createOutboxDrainer(upSink, second.outbox, policy, { clock, logger: createSilentLogger() });
    for (let i = 0; i < 4; i++) await after.drainOnce();
    expect(downSink.accepted).toEqual([]);
    expect(upSink.accepted).toEqual(['a@1', 'a@2', 'a@3', 'a@4']);
    expect(second.outbox.depth().rows).toBe(0);
  });

  it('runs on its own once started, waking on commits, and close() flushes what is due', async () => {
    const clock = new ManualClock(0);
    const store = openStore(clock);
    const sink = new ScriptedSink();
    const drainer = createOutboxDrainer(sink, store.outbox, policy, {
      clock,
      logger: createSilentLogger(),
      onEnqueue: (listener) => store.onCommit(listener),
      idlePollMs: 60_000,
    });
    drainer.start();
    commitScores(store, 1);
    commitScores(store, 2);
    // Let the loop take its turns; it must not need the idle poll to notice commits.
    for (let i = 0; i < 20 && sink.accepted.length < 2; i++) await new Promise((r) => setImmediate(r));
    expect(sink.accepted).toEqual(['a@1', 'a@2']);
    commitScores(store, 3);
    await drainer.close({ timeoutMs: 1_000 });
    expect(sink.accepted).toEqual(['a@1', 'a@2', 'a@3']);
  });
  it('leaves no timer behind once closed, so a stopping process exits at once', async () => {
    // Counts the drainer's own waits rather than the process's timers, which other tests share.
    let pendingWaits = 0;
    const countingSleep: Sleep = (ms, signal) => {
      pendingWaits++;
      return defaultSleep(ms, signal).finally(() => pendingWaits--);
    };
    const clock = new ManualClock(0);
    const store = openStore(clock);
    const drainer = createOutboxDrainer(new ScriptedSink(), store.outbox, policy, {
      clock,
      logger: createSilentLogger(),
      onEnqueue: (listener) => store.onCommit(listener),
      idlePollMs: 60_000,
      sleep: countingSleep,
    });
    drainer.start();
    commitScores(store, 1);
    await new Promise((r) => setImmediate(r));
    expect(pendingWaits).toBeGreaterThan(0);
    await drainer.close({ timeoutMs: 60_000 });
    await new Promise((r) => setImmediate(r));
    expect(pendingWaits).toBe(0);
  });

  it('clears the timer of a wait that is aborted', async () => {
    const created: unknown[] = [];
    const cleared: unknown[] = [];
    const realSet = globalThis.setTimeout;
    const realClear = globalThis.clearTimeout;
    const setSpy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      const handle = realSet(fn, ms);
      created.push(handle);
      return handle;
    }) as typeof setTimeout);
    const clearSpy = vi.spyOn(globalThis, 'clearTimeout').mockImplementation(((handle: NodeJS.Timeout) => {
      cleared.push(handle);
      realClear(handle);
    }) as typeof clearTimeout);
    try {
      const abort = new AbortController();
      const wait = defaultSleep(60_000, abort.signal);
      abort.abort();
      await wait;
    } finally {
      setSpy.mockRestore();
      clearSpy.mockRestore();
    }
    expect(created).toHaveLength(1);
    expect(cleared).toEqual(created);
  });

  it('retries connect with back-off through the injected sleep, then drains', async () => {
    const clock = new ManualClock(0);
    const store = openStore(clock);
    const sink = new ScriptedSink();
    let connectFailures = 2;
    sink.connect = async () => {
      if (connectFailures-- > 0) throw new PipelineError('SINK_WRITE_FAILED', 'refused', { retriable: true });
    };
    const sleeps: number[] = [];
    commitScores(store, 1);
    const drainer = createOutboxDrainer(sink, store.outbox, policy, {
      clock,
      logger: createSilentLogger(),
      idlePollMs: 60_000,
      sleep: async (ms, signal) => {
        sleeps.push(ms);
        clock.advance(ms);
        // Idle waits park until woken (or closed), like the real sleep would.
        if (ms >= 60_000 && signal !== undefined && !signal.aborted) {
          await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        }
      },
    });
    drainer.start();
    for (let i = 0; i < 20 && sink.accepted.length < 1; i++) await new Promise((r) => setImmediate(r));
    expect(sleeps.slice(0, 2)).toEqual([1_000, 2_000]);
    expect(sink.accepted).toEqual(['a@1']);
    await drainer.close({ timeoutMs: 0 });
  });

  it('reports the queue depth per sink as rows are queued and delivered', async () => {
    const clock = new ManualClock(0);
    const { counts, telemetry } = countingTelemetry();
    const store = createLocalStore(
      { ...storeConfigSchema.parse({}), path: join(dir, 'depth.db') },
      {
        clock,
        logger: createSilentLogger(),
        routes: [route],
        telemetry,
      },
    );
    stores.push(store);
    commitScores(store, 1, 2, 3);
    expect(counts.depth).toBe(3);
    const drainer = createOutboxDrainer(new ScriptedSink(2), store.outbox, policy, {
      clock,
      logger: createSilentLogger(),
    });
    await drainer.drainOnce();
    expect(counts.depth).toBe(1);
  });

  describe('through outages of hours (webhook defaults)', () => {
    const hourMs = 3_600_000;
    const webhookRetry = webhookSinkConfigSchema.parse({
      type: 'webhook',
      name: 'ops',
      url: 'http://127.0.0.1:1/hook',
      signingKey: 'k',
    }).retry;

    /** Drains with the clock jumping to every due time, until `until` (ms) or the queue is empty. */
    async function driveUntil(
      drainer: ReturnType<typeof createOutboxDrainer>,
      clock: ManualClock,
      untilMs: number,
    ): Promise<void> {
      for (;;) {
        const step = await drainer.drainOnce();
        if (step.nextDueMs === undefined || step.nextDueMs > untilMs) return;
        clock.advance(Math.max(0, step.nextDueMs - clock.nowMs()));
      }
    }

    it('keeps retrying through a 6-hour outage with capped back-off and delivers every event once', async () => {
      const clock = new ManualClock(0);
      const store = openStore(clock);
      const sink = new ScriptedSink(1);
      let isDown = true;
      sink.failures = Array.from({ length: 10_000 }, () => () => (isDown ? retriable() : undefined));
      commitScores(store, 1, 2, 3);
      const drainer = createOutboxDrainer(sink, store.outbox, webhookRetry, {
        clock,
        logger: createSilentLogger(),
        random: () => 0.5,
      });
      await driveUntil(drainer, clock, 6 * hourMs);
      expect(store.listDeadLetters()).toEqual([]);
      // Capped back-off: attempts keep coming during the outage, no gap longer than maxDelayMs.
      expect(sink.calls.length).toBeGreaterThan((6 * hourMs) / webhookRetry.maxDelayMs - 20);
      expect(store.outbox.oldestUndeliveredMs(sinkName)).toBe(0);
      isDown = false;
      clock.advance(webhookRetry.maxDelayMs);
      await driveUntil(drainer, clock, Number.MAX_SAFE_INTEGER);
      expect(sink.accepted).toEqual(['a@1', 'a@2', 'a@3']);
      expect(store.outbox.oldestUndeliveredMs(sinkName)).toBeUndefined();
    });

    it('gives up after maxRetryMs (24 h by default), not after a number of attempts', async () => {
      const clock = new ManualClock(0);
      const store = openStore(clock);
      const sink = new ScriptedSink(1);
      sink.failures = Array.from({ length: 10_000 }, () => retriable);
      commitScores(store, 1);
      const drainer = createOutboxDrainer(sink, store.outbox, webhookRetry, {
        clock,
        logger: createSilentLogger(),
        random: () => 0.5,
      });
      await driveUntil(drainer, clock, 48 * hourMs);
      const [dead] = store.listDeadLetters();
      expect(webhookRetry.maxRetryMs).toBe(24 * hourMs);
      // The last attempt is made at the deadline itself, then the event is a dead letter.
      expect(dead?.deadLetteredMs).toBe(24 * hourMs);
      expect(dead?.attempts).toBe(sink.calls.length);
    });

    it('honours Retry-After only up to maxRetryAfterMs', async () => {
      const clock = new ManualClock(0);
      const store = openStore(clock);
      const sink = new ScriptedSink();
      sink.failures = [() => new SinkThrottledError('slow down', 86_400_000)];
      commitScores(store, 1);
      const drainer = createOutboxDrainer(sink, store.outbox, webhookRetry, {
        clock,
        logger: createSilentLogger(),
        random: () => 0.5,
      });
      expect((await drainer.drainOnce()).nextDueMs).toBe(webhookRetry.maxRetryAfterMs);
      expect(webhookRetry.maxRetryAfterMs).toBeLessThan(hourMs);
    });
  });
});
