// The local durable boundary: one SQLite database (WAL) holding the embedded
// store and every sink's outbox. `commit` writes a batch's records and their
// outbox rows in one transaction; when it returns, the batch is durable and
// the pipeline may acknowledge the input it came from.
import Database from 'better-sqlite3';
import { type Clock, type Logger, noopTelemetry, PipelineError, type Telemetry } from '../../core/index.js';
import type { RetentionConfig } from './config.js';
import { createModelEvents, type ModelEventQuery } from './model-events.js';
import { createOperatorLabels, type LabelQuery } from './operator-labels.js';
import { createOutbox, type DeadLetter, type Outbox } from './outbox.js';
import { createReadingJournal, type JournalDelivery, type JournalReading } from './reading-journal.js';
import type { AlertQuery, FrameQuery, RecordReader, ScoreQuery } from './record-reader.js';
import type {
  AlertEventRecord,
  FrameRecord,
  ModelEventRecord,
  RecordBatch,
  ScoreRecord,
  StoredOperatorLabel,
} from './records.js';
import { createSilenceHistory, type SilencePeriod, type StoredSilence } from './silence-history.js';
import type { OutboxEntry, OutboxRoute } from './sink.js';
import { createStoreQueries } from './store-queries.js';
import { createStorePruner, enableIncrementalVacuum, type PruneReport } from './store-retention.js';
import { dropUnusedIndexes, migrateStore } from './store-schema.js';
import { createSpaceWatch, isDiskFullError, type StoreSpace, storeFullError } from './store-space.js';

export interface LocalStoreOptions {
  path: string;
  retention: RetentionConfig;
  synchronous?: 'full' | 'normal';
  maxOutboxRows?: number;
  maxOutboxBytes?: number;
  /** Free space the store's file system must keep; below it commits are refused (STORE_FULL). Default 0. */
  minFreeBytes?: number;
  /** Size the write-ahead log is cut back to after a checkpoint (default 64 MiB). */
  walMaxBytes?: number;
  /**
   * Journal readings older than their asset's newest one minus this are pruned (default: one hour).
   * Per asset, so one asset's clock running ahead cannot prune the others' journal.
   */
  journalKeepMs?: number;
}

/** What the live pipeline commits together with a batch. */
export interface PipelineCommit {
  /** The readings of the deliveries the commit holds, one entry per delivery. */
  journal?: readonly JournalDelivery[];
  /** Detector state per touched asset, as JSON text. */
  assetState?: ReadonlyMap<string, string>;
}

export interface LocalStoreDeps {
  clock: Clock;
  logger: Logger;
  telemetry?: Telemetry;
  /** One per enabled downstream sink; each commit enqueues what they encode. */
  routes?: readonly OutboxRoute[];
}

export interface LocalStore extends RecordReader {
  /**
   * Writes the records and their outbox rows atomically. Throws a retriable
   * STORE_FULL when the disk is full (see `space()`), a retriable
   * SINK_WRITE_FAILED when the outbox is full or the disk write fails, and a
   * non-retriable one for a malformed record; in every case nothing is written.
   */
  commit(batch: RecordBatch, pipeline?: PipelineCommit): void;
  /** Resolves once the outbox is below 90% of its limits and the store is not full (at once when both hold). */
  waitForCapacity(): Promise<void>;
  /**
   * Resolves once the store is not full. Meanwhile it prunes, returns free pages and truncates the
   * log every second, so the store frees what retention allows without any commit.
   */
  waitForSpace(): Promise<void>;
  /** Free space against `minFreeBytes`, database and log sizes, and whether the store is full. */
  space(): StoreSpace;
  /** The journal, oldest first. */
  readJournal(): JournalReading[];
  /** Detector state per asset, as committed last. */
  readAssetStates(): Map<string, string>;
  /** Keeps a silence (replacing one with the same id). */
  saveSilence(silence: StoredSilence): void;
  /**
   * Ends the silence now (`deps.clock`): its `untilMs` becomes the deletion time and
   * the period stays in the history. Returns whether a silence with this id was in force.
   */
  deleteSilence(id: string): boolean;
  /** The silences still in force at `nowMs` (ending after it), oldest first. */
  readSilences(nowMs: number): StoredSilence[];
  /** Every silence period, ended or not, overlapping `[fromMs, toMs)`, oldest first. */
  listSilencePeriods(query: { fromMs: number; toMs: number }): SilencePeriod[];
  /** Keeps an operator label (replacing one with the same id). */
  saveLabel(label: StoredOperatorLabel): void;
  /** Returns whether a label with this id existed. */
  deleteLabel(id: string): boolean;
  /** Labels overlapping the range and matching the asset, ordered by start. */
  listLabels(query?: LabelQuery): StoredOperatorLabel[];
  queryModelEvents(query: ModelEventQuery): ModelEventRecord[];
  queryScores(query: ScoreQuery): ScoreRecord[];
  queryAlerts(query: AlertQuery): AlertEventRecord[];
  queryFrames(query: FrameQuery): FrameRecord[];
  listAssets(): string[];
  /**
   * Deletes the records of every table past its retention, at least as many rows per table as
   * were written since the previous pass; returns the rows deleted per table.
   */
  prune(): PruneReport;
  readonly outbox: Outbox;
  listDeadLetters(filter?: { sink?: string; limit?: number }): DeadLetter[];
  replayDeadLetters(filter?: { sink?: string; ids?: readonly number[] }): number;
  /** Calls `listener` after every successful commit; returns the unsubscribe function. */
  onCommit(listener: () => void): () => void;
  close(): void;
}

function invalid(field: string, message: string, details: Record<string, unknown>): PipelineError {
  return new PipelineError('SINK_WRITE_FAILED', `record rejected by the local store: ${field} ${message}`, {
    details: { field, ...details },
  });
}

export function createLocalStore(options: LocalStoreOptions, deps: LocalStoreDeps): LocalStore {
  const logger = deps.logger.child({ component: 'detector.sinks.store' });
  const telemetry = deps.telemetry ?? noopTelemetry;
  const routes = deps.routes ?? [];
  let db: Database.Database;
  try {
    db = new Database(options.path);
    db.pragma('busy_timeout = 5000');
    try {
      if (!enableIncrementalVacuum(db)) throw new Error('auto_vacuum did not change');
    } catch (err) {
      // Converting an existing database rewrites it, which needs its size in free space again.
      logger.warn(
        { err, path: options.path },
        'Could not turn on incremental auto-vacuum; pruned space is reused but not returned to the file system.',
      );
    }
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    db.pragma(`journal_size_limit = ${options.walMaxBytes ?? 64 * 1024 * 1024}`);
    migrateStore(db, options.path);
    if (!dropUnusedIndexes(db)) {
      logger.warn(
        { path: options.path },
        'Could not drop an unused index; it is tried again at the next start.',
      );
    }
  } catch (err) {
    if (err instanceof PipelineError) throw err;
    throw new PipelineError(
      'SINK_WRITE_FAILED',
      `cannot open the local store at ${options.path} (store.path)`,
      {
        retriable: false,
        cause: err,
        details: { path: options.path },
      },
    );
  }
  const outbox = createOutbox(
    db,
    { maxRows: options.maxOutboxRows ?? 1_000_000, maxBytes: options.maxOutboxBytes ?? 512 * 1024 * 1024 },
    telemetry,
  );
  const queries = createStoreQueries(db);
  const silences = createSilenceHistory(db);
  const labels = createOperatorLabels(db);
  const modelEvents = createModelEvents(db);
  const pruner = createStorePruner(
    db,
    options.retention,
    new Map(
      routes.flatMap((r) => (r.deadLetterMaxAgeMs === undefined ? [] : [[r.sink, r.deadLetterMaxAgeMs]])),
    ),
  );
  const spaceWatch = createSpaceWatch(options.path, options.minFreeBytes ?? 0, deps.clock);
  const listeners = new Set<() => void>();
  // Another process (`gruwatch webhooks replay`) may change the outbox while we hold the
  // database; the in-memory queue sizes are then re-read from the table. `data_version`
  // changes only when another connection committed.
  // Prepared once: it is read before every delivery and every commit.
  const readDataVersion = db.prepare('PRAGMA data_version').pluck();
  let dataVersion = readDataVersion.get() as number;
  const syncWithOtherWriters = (): void => {
    const now = readDataVersion.get() as number;
    if (now === dataVersion) return;
    dataVersion = now;
    outbox.recount();
  };
  let lastPruneMs = deps.clock.nowMs();
  let isClosed = false;

  const insertScore = db.prepare(
    `INSERT OR REPLACE INTO scores (asset_id, at_ms, score, threshold, ratio, model_version, state, channels, contributions, top_channels)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertAlert = db.prepare(
    `INSERT OR REPLACE INTO alerts (id, type, at_ms, asset_id, severity, ratio, peak_ratio, top_channels, opened_at_ms, model_version, reason)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertFrame = db.prepare(
    'INSERT OR REPLACE INTO frames (asset_id, at_ms, state, channels, vals) VALUES (?, ?, ?, ?, ?)',
  );

  const upsertAssetState = db.prepare(
    'INSERT INTO asset_state (asset_id, state, updated_ms) VALUES (?, ?, ?) ON CONFLICT (asset_id) DO UPDATE SET state = excluded.state, updated_ms = excluded.updated_ms',
  );
  const journal = createReadingJournal(db, { keepMs: options.journalKeepMs ?? 3_600_000 });
  // Appended on every commit: a commit without readings still settles a prune pass a rolled-back one owed.
  const noReadings: readonly JournalDelivery[] = [];

  const writeBatch = db.transaction(
    (batch: RecordBatch, encoded: { sink: string; entries: OutboxEntry[] }[], pipeline: PipelineCommit) => {
      journal.append(pipeline.journal ?? noReadings);
      if (pipeline.assetState !== undefined) {
        const nowMs = deps.clock.nowMs();
        for (const [assetId, state] of pipeline.assetState) upsertAssetState.run(assetId, state, nowMs);
      }
      batch.scores.forEach((s, i) => {
        if (!Number.isFinite(s.score) || !Number.isFinite(s.threshold) || !Number.isFinite(s.ratio)) {
          throw invalid(`scores[${i}]`, 'has a non-finite score, threshold or ratio', {
            assetId: s.assetId,
            atMs: s.atMs,
          });
        }
        if (s.contributions.length !== s.channels.length) {
          throw invalid(
            `scores[${i}].contributions`,
            `has ${s.contributions.length} entries for ${s.channels.length} channels`,
            {
              assetId: s.assetId,
              atMs: s.atMs,
            },
          );
        }
        insertScore.run(
          s.assetId,
          s.atMs,
          s.score,
          s.threshold,
          s.ratio,
          s.modelVersion,
          s.state,
          JSON.stringify(s.channels),
          JSON.stringify(s.contributions),
          JSON.stringify(s.topChannels),
        );
      });
      batch.alerts.forEach((a, i) => {
        if (!Number.isFinite(a.ratio) || !Number.isFinite(a.peakRatio)) {
          throw invalid(`alerts[${i}]`, 'has a non-finite ratio or peakRatio', { alertId: a.id });
        }
        insertAlert.run(
          a.id,
          a.type,
          a.atMs,
          a.assetId,
          a.severity,
          a.ratio,
          a.peakRatio,
          JSON.stringify(a.topChannels),
          a.openedAtMs,
          a.modelVersion,
          a.reason ?? null,
        );
      });
      batch.frames.forEach((f, i) => {
        if (f.values.length !== f.channels.length) {
          throw invalid(
            `frames[${i}].values`,
            `has ${f.values.length} values for ${f.channels.length} channels`,
            {
              assetId: f.assetId,
              atMs: f.atMs,
            },
          );
        }
        const values = Float64Array.from(f.values);
        insertFrame.run(f.assetId, f.atMs, f.state, JSON.stringify(f.channels), Buffer.from(values.buffer));
      });
      if (batch.modelEvents !== undefined) modelEvents.insert(batch.modelEvents);
      pruner.noteWritten('scores', batch.scores.length);
      pruner.noteWritten('alerts', batch.alerts.length);
      pruner.noteWritten('frames', batch.frames.length);
      pruner.noteWritten('asset_state', pipeline.assetState?.size ?? 0);
      pruner.noteWritten('model_events', batch.modelEvents?.length ?? 0);
      const nowMs = deps.clock.nowMs();
      for (const { sink, entries } of encoded) outbox.enqueue(sink, entries, nowMs);
    },
  );

  const prune = (): PruneReport => {
    const nowMs = deps.clock.nowMs();
    lastPruneMs = nowMs;
    const isUrgent = spaceWatch.check().isFull;
    const report = pruner.prune(nowMs, isUrgent);
    if (isUrgent) spaceWatch.check(true);
    return report;
  };
  const pruneQuietly = (): void => {
    try {
      prune();
    } catch (err) {
      // Housekeeping: what it did not delete now it deletes on the next pass.
      logger.warn({ err }, 'Pruning the local store failed; will try again.');
    }
  };
  // Retention applies with or without commits (no input, or a full disk refusing them).
  const housekeeping = setInterval(
    () => {
      if (deps.clock.nowMs() - lastPruneMs >= options.retention.pruneIntervalMs) pruneQuietly();
    },
    Math.min(options.retention.pruneIntervalMs, 10_000),
  );
  housekeeping.unref();
  let isFullLogged = false;
  const waitForSpace = async (): Promise<void> => {
    for (;;) {
      const space = spaceWatch.check(true);
      if (isClosed || !space.isFull) {
        if (isFullLogged) logger.info({ space }, 'The local store has room again.');
        isFullLogged = false;
        return;
      }
      if (!isFullLogged)
        logger.warn({ space }, 'The local store is full; refusing commits until space returns.');
      isFullLogged = true;
      pruneQuietly();
      if (!spaceWatch.check(true).isFull) continue;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  };

  return {
    commit(batch, pipeline = {}) {
      if (isClosed) throw new PipelineError('SINK_WRITE_FAILED', 'commit after the local store was closed');
      syncWithOtherWriters();
      const encoded = routes.map((route) => ({ sink: route.sink, entries: route.encode(batch) }));
      let rows = 0;
      let bytes = 0;
      for (const { entries } of encoded) {
        rows += entries.length;
        for (const e of entries) bytes += Buffer.byteLength(e.payload);
      }
      outbox.assertRoomFor(rows, bytes);
      const space = spaceWatch.check();
      if (space.isFull) throw storeFullError(space, options.path);
      try {
        writeBatch(batch, encoded, pipeline);
        journal.committed();
      } catch (err) {
        outbox.recount();
        if (err instanceof PipelineError) throw err;
        if (isDiskFullError(err)) throw storeFullError(spaceWatch.noteDiskFull(), options.path, err);
        throw new PipelineError(
          'SINK_WRITE_FAILED',
          `cannot write a batch to the local store at ${options.path}`,
          {
            retriable: true,
            cause: err,
            details: { path: options.path },
          },
        );
      }
      for (const listener of listeners) listener();
      if (deps.clock.nowMs() - lastPruneMs >= options.retention.pruneIntervalMs) pruneQuietly();
    },
    waitForSpace,
    space: () => spaceWatch.check(),
    async waitForCapacity() {
      // Called before every delivery: the space reading of the last second decides whether to wait
      // (a commit refuses a full store all the same), so a delivery costs no file system calls.
      if (spaceWatch.check().isFull) await waitForSpace();
      const limits = {
        rows: 0.9 * (options.maxOutboxRows ?? 1_000_000),
        bytes: 0.9 * (options.maxOutboxBytes ?? 512 * 1024 * 1024),
      };
      for (;;) {
        if (!isClosed) syncWithOtherWriters();
        const depth = outbox.depth();
        if (isClosed || (depth.rows < limits.rows && depth.bytes < limits.bytes)) return;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    readJournal: () => journal.read(),
    readAssetStates() {
      const rows = db.prepare('SELECT asset_id, state FROM asset_state').all() as {
        asset_id: string;
        state: string;
      }[];
      return new Map(rows.map((r) => [r.asset_id, r.state]));
    },
    saveSilence: silences.save,
    deleteSilence: (id) => silences.end(id, deps.clock.nowMs()),
    readSilences: silences.readInForce,
    listSilencePeriods: silences.listPeriods,
    saveLabel: labels.save,
    deleteLabel: labels.delete,
    listLabels: labels.list,
    queryModelEvents: modelEvents.query,
    queryScores: queries.queryScores,
    queryAlerts: queries.queryAlerts,
    queryFrames: queries.queryFrames,
    listAssets: queries.listAssets,
    prune,
    // The drainers look at the queue through `peek`; re-reading the sizes first keeps the
    // queue-depth gauge right when rows were replayed from another process.
    outbox: {
      ...outbox,
      peek(sink, nowMs, maxRows, maxBytes) {
        if (!isClosed) syncWithOtherWriters();
        return outbox.peek(sink, nowMs, maxRows, maxBytes);
      },
    },
    listDeadLetters: (filter) => outbox.listDeadLetters(filter),
    replayDeadLetters: (filter = {}) => {
      const replayed = outbox.replayDeadLetters(filter, deps.clock.nowMs());
      if (replayed > 0) for (const listener of listeners) listener();
      return replayed;
    },
    onCommit(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      if (isClosed) return;
      isClosed = true;
      clearInterval(housekeeping);
      listeners.clear();
      db.close();
    },
  };
}
