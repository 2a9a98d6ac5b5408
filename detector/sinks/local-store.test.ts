// The local store: reads after commit, atomic commits, outbox dedupe and bounds, retention, reopen.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSilentLogger, isPipelineError, ManualClock } from '../../core/index.js';
import { alertAt, batchOf, frameAt, scoreAt } from '../../test/fixtures/sink-records.js';
import { storeConfigSchema } from './config.js';
import { createLocalStore, type LocalStore } from './local-store.js';
import type { OutboxRoute } from './sink.js';
import { storeSchemaVersion } from './store-schema.js';

const dayMs = 86_400_000;
let dir: string;
let opened: LocalStore[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gruwatch-store-'));
  opened = [];
});
afterEach(() => {
  for (const store of opened) store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A route that queues one row per score, keyed by asset and time. */
const scoreRoute: OutboxRoute = {
  sink: 'test:scores',
  encode: (batch) =>
    batch.scores.map((s) => ({ key: `${s.assetId}@${s.atMs}`, payload: `score ${s.score}` })),
};

function open(
  clock: ManualClock,
  overrides: Record<string, unknown> = {},
  routes: OutboxRoute[] = [scoreRoute],
): LocalStore {
  const config = storeConfigSchema.parse({ path: join(dir, 'gruwatch.db'), ...overrides });
  const store = createLocalStore(
    { ...config, path: config.path ?? join(dir, 'gruwatch.db') },
    { clock, logger: createSilentLogger(), routes },
  );
  opened.push(store);
  return store;
}

describe('local store', () => {
  it('reads back committed scores, alerts and frames, NaN cells included', () => {
    const store = open(new ManualClock(10 * dayMs));
    const t0 = 10 * dayMs - 60_000;
    store.commit(
      batchOf({
        scores: [scoreAt('pump-7', t0, 0.4), scoreAt('pump-7', t0 + 1_000, 0.9), scoreAt('fan-2', t0, 0.1)],
        alerts: [
          alertAt('pump-7', t0 + 1_000),
          { ...alertAt('pump-7', t0 + 2_000, 'resolved'), reason: 'recovered' },
        ],
        frames: [frameAt('pump-7', t0, [1.5, Number.NaN])],
      }),
    );
    expect(store.queryScores({ assetId: 'pump-7', fromMs: t0, toMs: t0 + 1_000 })).toEqual([
      scoreAt('pump-7', t0, 0.4),
    ]);
    expect(store.queryScores({ assetId: 'pump-7', fromMs: 0, toMs: Infinity }).map((s) => s.score)).toEqual([
      0.4, 0.9,
    ]);
    expect(store.queryAlerts({ newestFirst: true, limit: 1 })).toEqual([
      { ...alertAt('pump-7', t0 + 2_000, 'resolved'), reason: 'recovered' },
    ]);
    expect(store.queryAlerts({ assetId: 'fan-2' })).toEqual([]);
    const [frame] = store.queryFrames({ assetId: 'pump-7', fromMs: 0, toMs: t0 + 1 });
    expect(frame.values[0]).toBe(1.5);
    expect(Number.isNaN(frame.values[1])).toBe(true);
    expect(store.listAssets()).toEqual(['fan-2', 'pump-7']);
  });

  it('commits atomically: a bad record leaves neither records nor outbox rows behind', () => {
    const store = open(new ManualClock(0));
    const bad = batchOf({
      scores: [scoreAt('pump-7', 1_000), scoreAt('pump-7', 2_000)],
      frames: [frameAt('pump-7', 1_000), { ...frameAt('pump-7', 2_000), values: [1] }],
    });
    let thrown: unknown;
    try {
      store.commit(bad);
    } catch (err) {
      thrown = err;
    }
    expect(isPipelineError(thrown, 'SINK_WRITE_FAILED')).toBe(true);
    expect((thrown as Error).message).toContain('frames[1].values');
    expect(store.queryScores({ assetId: 'pump-7', fromMs: 0, toMs: 10_000 })).toEqual([]);
    expect(store.queryFrames({ assetId: 'pump-7', fromMs: 0, toMs: 10_000 })).toEqual([]);
    expect(store.outbox.depth()).toEqual({ rows: 0, bytes: 0 });
    // The store stays usable and its counters are right after the rollback.
    store.commit(batchOf({ scores: [scoreAt('pump-7', 3_000)] }));
    expect(store.outbox.depth('test:scores').rows).toBe(1);
  });

  it('queues one outbox row per route entry, in commit order, and skips a key already queued', () => {
    const store = open(new ManualClock(0));
    store.commit(batchOf({ scores: [scoreAt('a', 1), scoreAt('b', 1)] }));
    store.commit(batchOf({ scores: [scoreAt('a', 1), scoreAt('c', 1)] }));
    const rows = store.outbox.peek('test:scores', 0, 100, 1_000_000);
    expect(rows.map((r) => r.key)).toEqual(['a@1', 'b@1', 'c@1']);
    expect(store.outbox.depth('test:scores').rows).toBe(3);
  });

  it('refuses a commit with a retriable "outbox full" error instead of dropping, and accepts again once drained', () => {
    const store = open(new ManualClock(0), { maxOutboxRows: 3 });
    store.commit(batchOf({ scores: [scoreAt('a', 1), scoreAt('a', 2)] }));
    let thrown: unknown;
    try {
      store.commit(batchOf({ scores: [scoreAt('a', 3), scoreAt('a', 4)] }));
    } catch (err) {
      thrown = err;
    }
    expect(isPipelineError(thrown, 'SINK_WRITE_FAILED')).toBe(true);
    expect((thrown as { retriable: boolean }).retriable).toBe(true);
    expect((thrown as Error).message).toContain('outbox full');
    expect(store.queryScores({ assetId: 'a', fromMs: 0, toMs: 10 }).map((s) => s.atMs)).toEqual([1, 2]);
    const head = store.outbox.peek('test:scores', 0, 10, 1_000_000);
    store.outbox.remove(
      'test:scores',
      head.map((r) => r.id),
    );
    store.commit(batchOf({ scores: [scoreAt('a', 3), scoreAt('a', 4)] }));
    expect(store.outbox.depth().rows).toBe(2);
  });

  it('bounds the outbox by bytes too', () => {
    const store = open(new ManualClock(0), { maxOutboxBytes: 20 });
    store.commit(batchOf({ scores: [scoreAt('a', 1)] })); // "score 0.5" = 9 bytes
    store.commit(batchOf({ scores: [scoreAt('a', 2)] }));
    expect(() => store.commit(batchOf({ scores: [scoreAt('a', 3)] }))).toThrow(/outbox full/);
  });

  it('prunes records past retention, keeping newer ones', () => {
    const clock = new ManualClock(100 * dayMs);
    const store = open(
      clock,
      { retention: { scoresMaxAgeDays: 1, framesMaxAgeDays: 2, pruneChunkRows: 2 } },
      [],
    );
    const old = 100 * dayMs - 3 * dayMs;
    const recent = 100 * dayMs - 1_000;
    store.commit(
      batchOf({
        scores: [scoreAt('a', old), scoreAt('a', old + 1), scoreAt('a', old + 2), scoreAt('a', recent)],
        frames: [frameAt('a', old), frameAt('a', recent)],
        alerts: [alertAt('a', old)],
      }),
    );
    expect(store.prune()).toMatchObject({ scores: 3, alerts: 0, frames: 1 });
    expect(store.prune()).toMatchObject({ scores: 0, alerts: 0, frames: 0 });
    expect(store.queryScores({ assetId: 'a', fromMs: 0, toMs: Infinity }).map((s) => s.atMs)).toEqual([
      recent,
    ]);
    expect(store.queryFrames({ assetId: 'a', fromMs: 0, toMs: Infinity }).map((f) => f.atMs)).toEqual([
      recent,
    ]);
    expect(store.queryAlerts({}).length).toBe(1);
  });

  it('bounds score and frame reads in SQL: the newest rows of a range with `latest`, oldest first', () => {
    const store = open(new ManualClock(10 * dayMs));
    const times = [1, 2, 3, 4, 5].map((i) => 9 * dayMs + i * 1_000);
    store.commit(
      batchOf({ scores: times.map((t) => scoreAt('a', t)), frames: times.map((t) => frameAt('a', t)) }),
    );
    const range = { assetId: 'a', fromMs: 0, toMs: Infinity, limit: 2 };
    expect(store.queryScores(range).map((s) => s.atMs)).toEqual(times.slice(0, 2));
    expect(store.queryScores({ ...range, latest: true }).map((s) => s.atMs)).toEqual(times.slice(3));
    expect(store.queryFrames({ ...range, latest: true }).map((f) => f.atMs)).toEqual(times.slice(3));
    expect(store.queryFrames({ ...range, limit: undefined }).map((f) => f.atMs)).toEqual(times);
  });

  it('prunes on its own after a commit once the prune interval has passed', () => {
    const clock = new ManualClock(100 * dayMs);
    const store = open(clock, { retention: { scoresMaxAgeDays: 1, pruneIntervalMs: 60_000 } }, []);
    store.commit(batchOf({ scores: [scoreAt('a', 90 * dayMs)] }));
    expect(store.queryScores({ assetId: 'a', fromMs: 0, toMs: Infinity }).length).toBe(1);
    clock.advance(60_000);
    store.commit(batchOf({ scores: [scoreAt('a', 100 * dayMs)] }));
    expect(store.queryScores({ assetId: 'a', fromMs: 0, toMs: Infinity }).map((s) => s.atMs)).toEqual([
      100 * dayMs,
    ]);
  });

  it('keeps committed records and queued rows across a close and reopen', () => {
    const clock = new ManualClock(0);
    const first = open(clock);
    first.commit(batchOf({ scores: [scoreAt('a', 1), scoreAt('a', 2)] }));
    first.close();
    const second = open(clock);
    expect(second.outbox.depth('test:scores')).toEqual({ rows: 2, bytes: 18 });
    expect(second.outbox.peek('test:scores', 0, 10, 1_000).map((r) => r.key)).toEqual(['a@1', 'a@2']);
    expect(second.queryScores({ assetId: 'a', fromMs: 0, toMs: 10 }).length).toBe(2);
  });

  it('keeps the journal and asset state of a commit across a reopen, and neither of a refused commit', () => {
    const clock = new ManualClock(10 * dayMs);
    const store = open(clock);
    const reading = { assetId: 'pump-1', channel: 'flow', timestampMs: 5_000, value: 1.5 };
    store.commit(batchOf({ scores: [scoreAt('pump-1', 5_000)] }), {
      journal: [{ readings: [reading, { ...reading, channel: 'speed', value: 2 }], receivedAtMs: 5_010 }],
      assetState: new Map([['pump-1', '{"progress":1}']]),
    });
    expect(() =>
      store.commit(batchOf({ scores: [{ ...scoreAt('pump-1', 6_000), score: Number.NaN }] }), {
        journal: [{ readings: [{ ...reading, timestampMs: 6_000 }], receivedAtMs: 6_010 }],
        assetState: new Map([['pump-1', '{"progress":2}']]),
      }),
    ).toThrow();
    store.close();
    const reopened = open(clock);
    expect(reopened.readJournal()).toEqual([
      { ...reading, receivedAtMs: 5_010 },
      { ...reading, channel: 'speed', value: 2, receivedAtMs: 5_010 },
    ]);
    expect(reopened.readAssetStates()).toEqual(new Map([['pump-1', '{"progress":1}']]));
  });

  it('prunes journal readings older than journalKeepMs behind the newest one', () => {
    const clock = new ManualClock(10 * dayMs);
    const store = createLocalStore(
      { ...storeConfigSchema.parse({}), path: join(dir, 'journal.db'), journalKeepMs: 1_000 },
      { clock, logger: createSilentLogger() },
    );
    opened.push(store);
    for (let i = 0; i < 100; i++) {
      store.commit(batchOf({}), {
        journal: [
          {
            readings: [{ assetId: 'a', channel: 'c', timestampMs: i * 100, value: i }],
            receivedAtMs: i * 100,
          },
        ],
      });
    }
    const kept = store.readJournal().map((r) => r.timestampMs);
    expect(kept[0]).toBe(9_900 - 1_000);
    expect(kept.at(-1)).toBe(9_900);
  });

  it("prunes each asset's journal behind its own newest reading: a clock hours ahead on one asset spares the others", () => {
    const clock = new ManualClock(10 * dayMs);
    const path = join(dir, 'journal-per-asset.db');
    const store = createLocalStore(
      { ...storeConfigSchema.parse({}), path, journalKeepMs: 1_000 },
      { clock, logger: createSilentLogger() },
    );
    opened.push(store);
    const at = (...readings: [assetId: string, timestampMs: number][]) => [
      {
        readings: readings.map(([assetId, timestampMs]) => ({
          assetId,
          channel: 'c',
          timestampMs,
          value: 1,
        })),
        receivedAtMs: 0,
      },
    ];
    store.commit(batchOf({}), { journal: at(['skewed', 6 * 3_600_000]) });
    // The 100th commit with readings prunes.
    for (let i = 0; i < 99; i++) store.commit(batchOf({}), { journal: at(['a', i * 100], ['b', i * 50]) });
    const kept = (assetId: string) =>
      store
        .readJournal()
        .filter((r) => r.assetId === assetId)
        .map((r) => r.timestampMs);
    expect(kept('a')[0]).toBe(9_800 - 1_000);
    expect(kept('a')).toHaveLength(11);
    expect(kept('b')[0]).toBe(4_900 - 1_000);
    expect(kept('skewed')).toEqual([6 * 3_600_000]);
    // The newest reading per asset survives a reopen: pruning goes on from where it was.
    store.close();
    const reopened = createLocalStore(
      { ...storeConfigSchema.parse({}), path, journalKeepMs: 1_000 },
      { clock, logger: createSilentLogger() },
    );
    opened.push(reopened);
    for (let i = 0; i < 100; i++) reopened.commit(batchOf({}), { journal: at(['b', 5_000 + i]) });
    expect(reopened.readJournal().filter((r) => r.assetId === 'a')).toHaveLength(11);
    // b's readings lie 50 ms apart before the reopen: the first one within 5_099 − 1_000.
    expect(reopened.readJournal().filter((r) => r.assetId === 'b')[0]!.timestampMs).toBe(4_100);
  });

  it('holds deliveries back while the store is below its free-space floor, and lets them through when it is not', async () => {
    const roomy = open(new ManualClock(0));
    await expect(roomy.waitForCapacity()).resolves.toBeUndefined();
    roomy.close();
    const full = open(new ManualClock(0), { path: join(dir, 'full.db'), minFreeBytes: 2 ** 52 });
    const outcome = await Promise.race([
      full.waitForCapacity().then(() => 'went on'),
      new Promise((resolve) => setTimeout(() => resolve('held back'), 200)),
    ]);
    expect(outcome).toBe('held back');
  });

  it('names the path when the database cannot be opened', () => {
    expect(() => open(new ManualClock(0), { path: join(dir, 'missing', 'x.db') })).toThrow(/missing\/x\.db/);
  });
  it('keeps silences across a reopen and returns only those still in force', () => {
    const clock = new ManualClock(1_000);
    const store = open(clock);
    const silence = (id: string, untilMs: number) => ({
      id,
      assetPattern: `pump-${id}*`,
      untilMs,
      reason: `maintenance ${id}`,
      createdBy: 'ops',
      createdAtMs: 1_000 + untilMs / 1_000,
    });
    store.saveSilence(silence('a', 5_000));
    store.saveSilence(silence('b', 50_000));
    store.saveSilence(silence('c', 9_000));
    clock.advance(500);
    expect(store.deleteSilence('c')).toBe(true);
    expect(store.deleteSilence('c')).toBe(false);
    store.close();
    const reopened = open(clock);
    expect(reopened.readSilences(1_499)).toEqual([
      silence('a', 5_000),
      { ...silence('c', 9_000), untilMs: 1_500 },
      silence('b', 50_000),
    ]);
    expect(reopened.readSilences(4_999)).toEqual([silence('a', 5_000), silence('b', 50_000)]);
    // "until" is exclusive: at 5000 the first one has ended.
    expect(reopened.readSilences(5_000)).toEqual([silence('b', 50_000)]);
  });

  it('keeps ended and deleted silences as periods for retraining, from creation to their end', () => {
    const clock = new ManualClock(10_000);
    const store = open(clock);
    const silence = (id: string, createdAtMs: number, untilMs: number) => ({
      id,
      assetPattern: `pump-${id}`,
      untilMs,
      reason: '',
      createdBy: 'ops',
      createdAtMs,
    });
    store.saveSilence(silence('ended', 1_000, 3_000));
    store.saveSilence(silence('early', 4_000, 90_000));
    store.saveSilence(silence('later', 20_000, 30_000));
    clock.set(6_000);
    expect(store.deleteSilence('early')).toBe(true);
    expect(store.readSilences(10_000)).toEqual([silence('later', 20_000, 30_000)]);
    expect(store.listSilencePeriods({ fromMs: 0, toMs: 100_000 })).toEqual([
      { assetPattern: 'pump-ended', fromMs: 1_000, untilMs: 3_000 },
      { assetPattern: 'pump-early', fromMs: 4_000, untilMs: 6_000 },
      { assetPattern: 'pump-later', fromMs: 20_000, untilMs: 30_000 },
    ]);
    // Half-open ranges: a period ending at `fromMs` or starting at `toMs` does not overlap.
    expect(store.listSilencePeriods({ fromMs: 3_000, toMs: 20_000 })).toEqual([
      { assetPattern: 'pump-early', fromMs: 4_000, untilMs: 6_000 },
    ]);
  });

  it('keeps operator labels and lists those overlapping a range whose pattern matches the asset', () => {
    const clock = new ManualClock(10 * dayMs);
    const store = open(clock);
    const label = (id: string, assetPattern: string, fromMs: number, toMs: number) => ({
      id,
      assetPattern,
      fromMs,
      toMs,
      kind: id.startsWith('n') ? ('normal' as const) : ('not_normal' as const),
      reason: `reason ${id}`,
      createdBy: 'ops',
      createdAtMs: 10 * dayMs,
    });
    store.saveLabel(label('x1', 'pump-*', 5_000, 9_000));
    store.saveLabel(label('n1', 'pump-7', 1_000, 2_000));
    store.saveLabel(label('n2', 'fan-?', 3_000, 4_000));
    store.close();
    const reopened = open(clock);
    expect(reopened.listLabels().map((l) => l.id)).toEqual(['n1', 'n2', 'x1']);
    expect(reopened.listLabels({ assetId: 'pump-7' })).toEqual([
      label('n1', 'pump-7', 1_000, 2_000),
      label('x1', 'pump-*', 5_000, 9_000),
    ]);
    expect(reopened.listLabels({ assetId: 'fan-2', fromMs: 0, toMs: 10_000 }).map((l) => l.id)).toEqual([
      'n2',
    ]);
    expect(reopened.listLabels({ fromMs: 2_000, toMs: 5_000 }).map((l) => l.id)).toEqual(['n2']);
    expect(reopened.listLabels({ fromMs: 8_999 }).map((l) => l.id)).toEqual(['x1']);
    expect(reopened.deleteLabel('x1')).toBe(true);
    expect(reopened.deleteLabel('x1')).toBe(false);
    expect(reopened.listLabels({ assetId: 'pump-9' })).toEqual([]);
  });

  it('refuses a label whose end is not after its start, naming toMs', () => {
    const store = open(new ManualClock(0));
    expect(() =>
      store.saveLabel({
        id: 'l',
        assetPattern: 'a',
        fromMs: 5,
        toMs: 5,
        kind: 'normal',
        reason: 'r',
        createdBy: 'ops',
        createdAtMs: 0,
      }),
    ).toThrow(/toMs/);
  });

  it('commits model events with the batch and reads them back per model, in either order', () => {
    const store = open(new ManualClock(10 * dayMs));
    store.commit({
      ...batchOf({ scores: [scoreAt('pump-7', 1_000)] }),
      modelEvents: [
        { atMs: 1_000, model: 'pumps', event: 'retrain_started' },
        {
          atMs: 2_000,
          model: 'pumps',
          event: 'candidate_accepted',
          version: 'v2',
          previousVersion: 'v1',
          reason: 'lower error',
          details: { errorRatio: 0.8, windows: [1, 2] },
        },
        { atMs: 1_500, model: 'fans', event: 'retrain_failed', reason: 'too few frames' },
      ],
    });
    expect(store.queryModelEvents({ model: 'pumps', limit: 10 })).toEqual([
      { atMs: 1_000, model: 'pumps', event: 'retrain_started' },
      {
        atMs: 2_000,
        model: 'pumps',
        event: 'candidate_accepted',
        version: 'v2',
        previousVersion: 'v1',
        reason: 'lower error',
        details: { errorRatio: 0.8, windows: [1, 2] },
      },
    ]);
    expect(store.queryModelEvents({ limit: 2, newestFirst: true }).map((e) => e.event)).toEqual([
      'candidate_accepted',
      'retrain_failed',
    ]);
  });

  it('writes neither model events nor records when one model event is malformed', () => {
    const store = open(new ManualClock(0));
    expect(() =>
      store.commit({
        ...batchOf({ scores: [scoreAt('pump-7', 1_000)] }),
        modelEvents: [
          { atMs: 1, model: 'pumps', event: 'promoted' },
          { atMs: Number.NaN, model: 'pumps', event: 'promoted' },
        ],
      }),
    ).toThrow(/modelEvents\[1\]/);
    expect(store.queryModelEvents({ limit: 10 })).toEqual([]);
    expect(store.queryScores({ assetId: 'pump-7', fromMs: 0, toMs: 10_000 })).toEqual([]);
    expect(store.outbox.depth()).toEqual({ rows: 0, bytes: 0 });
  });

  it('prunes silences and labels that ended before the alerts retention, model events past theirs', () => {
    const clock = new ManualClock(100 * dayMs);
    const store = open(clock, { retention: { alertsMaxAgeDays: 10, modelEventsMaxAgeDays: 10 } }, []);
    const old = 100 * dayMs - 11 * dayMs;
    const recent = 100 * dayMs - 9 * dayMs;
    const silence = (id: string, untilMs: number) => ({
      id,
      assetPattern: id,
      untilMs,
      reason: '',
      createdBy: 'ops',
      createdAtMs: untilMs - 1_000,
    });
    const label = (id: string, toMs: number) => ({
      id,
      assetPattern: id,
      fromMs: toMs - 1_000,
      toMs,
      kind: 'normal' as const,
      reason: 'r',
      createdBy: 'ops',
      createdAtMs: toMs,
    });
    store.saveSilence(silence('old', old));
    store.saveSilence(silence('recent', recent));
    store.saveLabel(label('old', old));
    store.saveLabel(label('recent', recent));
    store.commit({
      ...batchOf({}),
      modelEvents: [
        { atMs: old, model: 'm', event: 'promoted' },
        { atMs: recent, model: 'm', event: 'rolled_back' },
      ],
    });
    store.prune();
    expect(store.listSilencePeriods({ fromMs: 0, toMs: 100 * dayMs }).map((p) => p.assetPattern)).toEqual([
      'recent',
    ]);
    expect(store.listLabels().map((l) => l.id)).toEqual(['recent']);
    expect(store.queryModelEvents({ limit: 10 }).map((e) => e.event)).toEqual(['rolled_back']);
  });

  it('migrates a layout-3 database to layout 4, keeping its records and silences', () => {
    const path = join(dir, 'v3.db');
    const v3 = new Database(path);
    v3.exec(`
      CREATE TABLE scores (
        asset_id TEXT NOT NULL, at_ms INTEGER NOT NULL, score REAL NOT NULL, threshold REAL NOT NULL,
        ratio REAL NOT NULL, model_version TEXT NOT NULL, state TEXT NOT NULL,
        channels TEXT NOT NULL, contributions TEXT NOT NULL, top_channels TEXT NOT NULL,
        PRIMARY KEY (asset_id, at_ms)
      ) WITHOUT ROWID;
      CREATE TABLE silences (
        id TEXT PRIMARY KEY, asset_pattern TEXT NOT NULL, until_ms INTEGER NOT NULL, reason TEXT NOT NULL,
        created_by TEXT NOT NULL, created_at_ms INTEGER NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO scores VALUES ('pump-7', 1000, 0.5, 1, 0.5, 'm-1', 'ok', '["temp","vib"]', '[0.25,0.75]', '["vib"]');
      INSERT INTO silences VALUES ('s1', 'pump-*', 9000, 'works', 'ops', 500);
      PRAGMA user_version = 3;
    `);
    v3.close();
    const store = open(new ManualClock(1_000), { path });
    expect(store.queryScores({ assetId: 'pump-7', fromMs: 0, toMs: 10_000 })).toEqual([
      scoreAt('pump-7', 1_000),
    ]);
    expect(store.readSilences(1_000).map((s) => s.id)).toEqual(['s1']);
    store.saveLabel({
      id: 'l1',
      assetPattern: 'pump-7',
      fromMs: 0,
      toMs: 1,
      kind: 'not_normal',
      reason: 'r',
      createdBy: 'ops',
      createdAtMs: 1,
    });
    expect(store.listLabels().map((l) => l.id)).toEqual(['l1']);
    store.close();
    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(storeSchemaVersion);
    check.close();
  });

  it('drops the journal time index of an existing database, keeping its readings and its layout version', () => {
    const path = join(dir, 'v5.db');
    const first = open(new ManualClock(1_500), { path });
    first.commit(batchOf({}), {
      journal: [
        {
          readings: [{ assetId: 'pump-7', channel: 'flow', timestampMs: 1_000, value: 2.5 }],
          receivedAtMs: 1_100,
        },
      ],
    });
    first.close();
    // The index an earlier release created with layout 5.
    const earlier = new Database(path);
    earlier.exec('CREATE INDEX journal_by_time ON journal (ts_ms)');
    earlier.close();
    const store = open(new ManualClock(2_000), { path });
    expect(store.readJournal()).toEqual([
      { assetId: 'pump-7', channel: 'flow', timestampMs: 1_000, value: 2.5, receivedAtMs: 1_100 },
    ]);
    store.close();
    const check = new Database(path, { readonly: true });
    const indexes = check
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'journal'")
      .pluck()
      .all();
    expect(indexes).toEqual(['journal_by_asset']);
    // Still layout 5: the release before this one opens it as it is.
    expect(check.pragma('user_version', { simple: true })).toBe(5);
    check.close();
  });

  it('refuses a database of a newer layout, naming both versions', () => {
    const path = join(dir, 'future.db');
    const future = new Database(path);
    future.pragma('user_version = 99');
    future.close();
    expect(() => open(new ManualClock(0), { path })).toThrow(
      new RegExp(`layout version 99.*\\(${storeSchemaVersion}\\)`),
    );
  });

  it('follows outbox changes another process made (a dead-letter replay) before it counts room', () => {
    const clock = new ManualClock(1_000);
    const service = open(clock, { maxOutboxRows: 2 });
    service.commit(batchOf({ scores: [scoreAt('a', 1), scoreAt('a', 2)] }));
    const rows = service.outbox.peek('test:scores', 1_000, 10, 1 << 20);
    service.outbox.deadLetter(
      'test:scores',
      rows.map((r) => r.id),
      'gave up',
      1_000,
    );
    expect(service.outbox.depth().rows).toBe(0);
    const operator = open(clock, { maxOutboxRows: 2 });
    expect(operator.replayDeadLetters({})).toBe(2);
    // Two rows are queued again; the service must count them and refuse a third.
    expect(() => service.commit(batchOf({ scores: [scoreAt('a', 3)] }))).toThrow(/outbox full/);
    expect(service.outbox.depth().rows).toBe(2);
  });
});
