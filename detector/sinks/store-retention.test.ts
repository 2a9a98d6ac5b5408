// Retention and space of the local store: pruning keeps pace with the write rate, every growing
// table has a retention, freed pages go back to the file system, the log is bounded, and a full
// disk is a STORE_FULL refusal (nothing written) instead of a crash.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSilentLogger, isPipelineError, ManualClock } from '../../core/index.js';
import { batchOf, frameAt, scoreAt } from '../../test/fixtures/sink-records.js';
import { storeConfigSchema } from './config.js';
import { createLocalStore, type LocalStore } from './local-store.js';
import type { OutboxRoute } from './sink.js';
import { isDiskFullError } from './store-space.js';

const dayMs = 86_400_000;
let dir: string;
let opened: LocalStore[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gruwatch-retention-'));
  opened = [];
});
afterEach(() => {
  for (const store of opened) store.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(clock: ManualClock, overrides: Record<string, unknown> = {}, routes: OutboxRoute[] = []) {
  const path = join(dir, 'gruwatch.db');
  const config = storeConfigSchema.parse({ path, ...overrides });
  const store = createLocalStore({ ...config, path }, { clock, logger: createSilentLogger(), routes });
  opened.push(store);
  return { store, path };
}

function count(path: string, table: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
  } finally {
    db.close();
  }
}

describe('store retention', () => {
  it('keeps pace with a write rate far above one chunk per pruning interval', () => {
    const start = 100 * dayMs;
    const clock = new ManualClock(start);
    const retentionDays = 0.005; // 432 s
    const retentionMs = retentionDays * dayMs;
    const { store, path } = open(clock, {
      synchronous: 'normal',
      retention: {
        framesMaxAgeDays: retentionDays,
        scoresMaxAgeDays: retentionDays,
        pruneIntervalMs: 60_000,
        pruneChunkRows: 10,
      },
    });
    const perMinute = 100;
    for (let minute = 0; minute < 30; minute++) {
      const frames = [];
      for (let i = 0; i < perMinute; i++) frames.push(frameAt(`a-${i}`, clock.nowMs()));
      store.commit(batchOf({ frames, scores: frames.map((f) => scoreAt(f.assetId, f.atMs)) }));
      clock.advance(60_000);
    }
    // What retention keeps (plus one interval not pruned yet), not the 30 × 100 written.
    const kept = (retentionMs / 60_000 + 2) * perMinute;
    expect(count(path, 'frames')).toBeLessThanOrEqual(kept);
    expect(count(path, 'scores')).toBeLessThanOrEqual(kept);
    expect(count(path, 'frames')).toBeGreaterThanOrEqual((retentionMs / 60_000) * perMinute);
  });

  it('prunes dead letters, idle assets’ state and model events past their own retentions', () => {
    const clock = new ManualClock(100 * dayMs);
    const route: OutboxRoute = {
      sink: 'test:scores',
      encode: (batch) => batch.scores.map((s) => ({ key: `${s.assetId}@${s.atMs}`, payload: 'p' })),
    };
    const { store, path } = open(
      clock,
      {
        retention: {
          deadLettersMaxAgeDays: 2,
          assetStateMaxAgeDays: 3,
          modelEventsMaxAgeDays: 4,
          pruneIntervalMs: 365 * dayMs,
        },
      },
      [route],
    );
    store.commit(
      {
        ...batchOf({ scores: [scoreAt('gone', 1)] }),
        modelEvents: [{ atMs: clock.nowMs(), model: 'm', event: 'promoted' }],
      },
      { assetState: new Map([['gone', '{}']]) },
    );
    const ids = store.outbox.peek('test:scores', clock.nowMs(), 10, 1 << 20).map((r) => r.id);
    store.outbox.deadLetter('test:scores', ids, 'refused', clock.nowMs());
    clock.advance(2.5 * dayMs);
    store.commit(batchOf({}), { assetState: new Map([['live', '{}']]) });
    expect(store.prune()).toMatchObject({ dead_letters: 1, asset_state: 0, model_events: 0 });
    clock.advance(dayMs);
    store.commit(batchOf({}), { assetState: new Map([['live', '{}']]) });
    expect(store.prune()).toMatchObject({ asset_state: 1, model_events: 0 });
    expect([...store.readAssetStates().keys()]).toEqual(['live']);
    clock.advance(dayMs);
    expect(store.prune()).toMatchObject({ model_events: 1 });
    expect(count(path, 'dead_letters') + count(path, 'model_events')).toBe(0);
  });

  it('keeps a sink’s dead letters for the sink’s own keep time, and other sinks’ for the store’s', () => {
    const clock = new ManualClock(100 * dayMs);
    const routeOf = (sink: string, deadLetterMaxAgeMs?: number): OutboxRoute => ({
      sink,
      encode: (batch) => batch.scores.map((s) => ({ key: `${s.assetId}@${s.atMs}`, payload: 'p' })),
      ...(deadLetterMaxAgeMs === undefined ? {} : { deadLetterMaxAgeMs }),
    });
    const routes = [
      routeOf('webhook:long', 60 * dayMs),
      routeOf('webhook:short', dayMs),
      routeOf('influxdb:x'),
    ];
    const { store } = open(
      clock,
      { retention: { deadLettersMaxAgeDays: 30, pruneIntervalMs: 365 * dayMs } },
      routes,
    );
    store.commit(batchOf({ scores: [scoreAt('a', 1)] }));
    for (const { sink } of routes) {
      const ids = store.outbox.peek(sink, clock.nowMs(), 10, 1 << 20).map((r) => r.id);
      store.outbox.deadLetter(sink, ids, 'refused', clock.nowMs());
    }
    const kept = () =>
      store
        .listDeadLetters()
        .map((d) => d.sink)
        .sort();
    clock.advance(2 * dayMs);
    store.prune();
    expect(kept()).toEqual(['influxdb:x', 'webhook:long']);
    clock.advance(43 * dayMs);
    store.prune();
    expect(kept()).toEqual(['webhook:long']);
    clock.advance(20 * dayMs);
    store.prune();
    expect(kept()).toEqual([]);
  });

  it('returns pruned space to the file system and bounds the write-ahead log', () => {
    const clock = new ManualClock(100 * dayMs);
    const { store, path } = open(clock, {
      synchronous: 'normal',
      walMaxBytes: 256 * 1024,
      retention: { framesMaxAgeDays: 1, pruneChunkRows: 1_000 },
    });
    const old = clock.nowMs() - 2 * dayMs;
    const channels = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8'];
    for (let c = 0; c < 20; c++) {
      const frames = [];
      for (let i = 0; i < 1_000; i++) {
        frames.push({ ...frameAt('a', old + c * 1_000 + i), channels, values: [1, 2, 3, 4, 5, 6, 7, 8] });
      }
      store.commit(batchOf({ frames }));
    }
    const grown = statSync(path).size + statSync(`${path}-wal`).size;
    store.prune();
    // The pass deleted what the commits wrote, returned the pages, and cut the log back.
    for (let i = 0; i < 5 && count(path, 'frames') > 0; i++) store.prune();
    expect(count(path, 'frames')).toBe(0);
    store.commit(batchOf({ frames: [frameAt('a', clock.nowMs())] }));
    store.prune();
    expect(statSync(path).size).toBeLessThan(grown / 2);
    const check = new Database(path, { readonly: true });
    const free = check.pragma('freelist_count', { simple: true }) as number;
    expect(free).toBeLessThanOrEqual(((check.pragma('page_count', { simple: true }) as number) - free) / 8);
    check.close();
    expect(statSync(`${path}-wal`).size).toBeLessThanOrEqual(256 * 1024 + 64 * 1024);
  });

  it('turns on incremental auto-vacuum in a database created without it, keeping its records', () => {
    const path = join(dir, 'gruwatch.db');
    const clock = new ManualClock(100 * dayMs);
    const first = open(clock).store;
    first.commit(batchOf({ scores: [scoreAt('a', clock.nowMs())] }));
    first.close();
    const plain = new Database(path);
    plain.pragma('journal_mode = DELETE');
    plain.pragma('auto_vacuum = NONE');
    plain.exec('VACUUM');
    expect(plain.pragma('auto_vacuum', { simple: true })).toBe(0);
    plain.close();
    const { store } = open(clock);
    expect(store.queryScores({ assetId: 'a', fromMs: 0, toMs: Infinity }).length).toBe(1);
    const check = new Database(path, { readonly: true });
    expect(check.pragma('auto_vacuum', { simple: true })).toBe(2);
    check.close();
  });
});

describe('store space', () => {
  it('refuses commits while free space is under minFreeBytes, writing nothing, and says why', () => {
    const clock = new ManualClock(100 * dayMs);
    const { store, path } = open(clock, { minFreeBytes: Number.MAX_SAFE_INTEGER });
    let thrown: unknown;
    try {
      store.commit(batchOf({ scores: [scoreAt('a', clock.nowMs())] }), {
        journal: [{ readings: [{ assetId: 'a', channel: 'c', timestampMs: 1, value: 1 }], receivedAtMs: 1 }],
      });
    } catch (err) {
      thrown = err;
    }
    expect(isPipelineError(thrown) && thrown.code).toBe('STORE_FULL');
    expect(isPipelineError(thrown) && thrown.retriable).toBe(true);
    expect((thrown as Error).message).toMatch(/store full: free space is under store.minFreeBytes/);
    expect(count(path, 'scores') + count(path, 'journal')).toBe(0);
    const space = store.space();
    expect(space).toMatchObject({
      isFull: true,
      reason: 'below_floor',
      minFreeBytes: Number.MAX_SAFE_INTEGER,
    });
    expect(space.freeBytes).toBeGreaterThan(0);
    expect(space.dbBytes).toBeGreaterThan(0);
  });

  it('takes the error SQLite raises on a full database for a full disk', () => {
    const db = new Database(join(dir, 'tiny.db'));
    db.exec('CREATE TABLE t (v BLOB)');
    // A page limit makes SQLite's "database or disk is full" happen without filling a disk.
    db.pragma(`max_page_count = ${(db.pragma('page_count', { simple: true }) as number) + 1}`);
    let thrown: unknown;
    try {
      db.prepare('INSERT INTO t VALUES (?)').run(Buffer.alloc(64 * 1024));
    } catch (err) {
      thrown = err;
    }
    db.close();
    expect(isDiskFullError(thrown)).toBe(true);
    expect(isDiskFullError(new Error('constraint failed'))).toBe(false);
  });
});
