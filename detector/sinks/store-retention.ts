// Retention of the local store: every table that grows is pruned by age, and
// a pass deletes as many rows as were written since the previous one (plus a
// chunk, so a backlog shrinks), in short transactions of `pruneChunkRows` rows.
// Pruning therefore keeps pace with any write rate instead of a fixed number
// of rows per minute. Freed pages go back to the file system (incremental
// auto-vacuum) and the write-ahead log is checkpointed after each pass.
import type { Database, Statement } from 'better-sqlite3';
import { type RetainedTable, type RetentionConfig, retentionMs } from './config.js';

/** How each table is pruned: its key and the time column its retention applies to. */
const retainedTables: readonly { table: RetainedTable; key: string; time: string }[] = [
  { table: 'scores', key: 'asset_id, at_ms', time: 'at_ms' },
  { table: 'alerts', key: 'id, type, at_ms', time: 'at_ms' },
  { table: 'frames', key: 'asset_id, at_ms', time: 'at_ms' },
  { table: 'dead_letters', key: 'id', time: 'dead_lettered_ms' },
  { table: 'asset_state', key: 'asset_id', time: 'updated_ms' },
  { table: 'model_events', key: 'seq', time: 'at_ms' },
  { table: 'silences', key: 'id', time: 'until_ms' },
  { table: 'labels', key: 'id', time: 'to_ms' },
];

export type PruneReport = Record<RetainedTable, number>;

export interface StorePruner {
  /** Counts rows written to `table`: the next pass deletes at least as many. */
  noteWritten(table: RetainedTable, rows: number): void;
  /**
   * Deletes rows past retention, then returns free pages to the file system and checkpoints the
   * log. `isUrgent` (the disk is full) returns every free page and truncates the log.
   */
  prune(nowMs: number, isUrgent?: boolean): PruneReport;
}

/** Free pages kept for reuse by the next inserts, as a share of the pages in use; the rest are returned. */
const keptFreeShare = 1 / 8;

/**
 * A table's delete statement and its cutoff parameters at `nowMs`. Dead letters have one cutoff
 * per sink that keeps its own (`deadLetterMaxAgeMs`), the store's retention for the others.
 */
function pruneStatement(
  db: Database,
  { table, key, time }: (typeof retainedTables)[number],
  maxAgeMs: number,
  deadLetterMaxAgeMs: ReadonlyMap<string, number>,
): { statement: Statement; cutoffs(nowMs: number): unknown[] } {
  const own = table === 'dead_letters' ? [...deadLetterMaxAgeMs] : [];
  const cutoff = own.length === 0 ? '?' : `CASE sink ${own.map(() => 'WHEN ? THEN ?').join(' ')} ELSE ? END`;
  return {
    statement: db.prepare(
      `DELETE FROM ${table} WHERE (${key}) IN (SELECT ${key} FROM ${table} WHERE ${time} < ${cutoff} ORDER BY ${time} LIMIT ?)`,
    ),
    cutoffs: (nowMs) => [...own.flatMap(([sink, ageMs]) => [sink, nowMs - ageMs]), nowMs - maxAgeMs],
  };
}

export function createStorePruner(
  db: Database,
  retention: RetentionConfig,
  deadLetterMaxAgeMs: ReadonlyMap<string, number> = new Map(),
): StorePruner {
  const maxAge = retentionMs(retention);
  const chunk = retention.pruneChunkRows;
  const written = new Map<RetainedTable, number>();
  const statements = new Map(
    retainedTables.map((t) => [t.table, pruneStatement(db, t, maxAge[t.table], deadLetterMaxAgeMs)]),
  );

  const returnFreePages = (isUrgent: boolean): void => {
    const free = db.pragma('freelist_count', { simple: true }) as number;
    if (free === 0) return;
    const kept = Math.floor(((db.pragma('page_count', { simple: true }) as number) - free) * keptFreeShare);
    if (isUrgent) db.pragma('incremental_vacuum');
    else if (free > kept) db.pragma(`incremental_vacuum(${free - kept})`);
  };

  return {
    noteWritten(table, rows) {
      written.set(table, (written.get(table) ?? 0) + rows);
    },
    prune(nowMs, isUrgent = false) {
      const report = {} as PruneReport;
      for (const { table } of retainedTables) {
        const { statement, cutoffs } = statements.get(table)!;
        const quota = chunk + 2 * (written.get(table) ?? 0);
        written.set(table, 0);
        let deleted = 0;
        while (deleted < quota) {
          const asked = Math.min(chunk, quota - deleted);
          const n = statement.run(...cutoffs(nowMs), asked).changes;
          deleted += n;
          if (n < asked) break;
        }
        report[table] = deleted;
      }
      returnFreePages(isUrgent);
      // PASSIVE never waits for readers; with journal_size_limit the log is cut back once it restarts.
      db.pragma(`wal_checkpoint(${isUrgent ? 'TRUNCATE' : 'PASSIVE'})`);
      return report;
    },
  };
}

/**
 * Turns on incremental auto-vacuum. A new database gets it before its first table; an existing
 * one needs a VACUUM (a full rewrite) once. Returns whether the database is now incremental.
 */
export function enableIncrementalVacuum(db: Database): boolean {
  if ((db.pragma('auto_vacuum', { simple: true }) as number) === 2) return true;
  db.pragma('auto_vacuum = INCREMENTAL');
  const tables = db.prepare('SELECT COUNT(*) FROM sqlite_master').pluck().get() as number;
  if (tables > 0) db.exec('VACUUM');
  return (db.pragma('auto_vacuum', { simple: true }) as number) === 2;
}
