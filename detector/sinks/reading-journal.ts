// The reading journal: the readings of committed deliveries, replayed after a restart to rebuild
// open cells and window rings. It keeps, per asset, the readings within `keepMs` of the asset's
// newest one (per asset, so one asset's clock running ahead cannot prune the others'). A prune pass
// looks only at the assets journaled since the previous pass: an asset without new readings has
// nothing new to prune, so a pass costs the assets active since, not every asset ever journaled.
// Passes follow the rows written, not only the commits: one group commit may hold a connection's
// whole window of messages, and counting commits alone would let the journal grow by that factor.
import type { Database } from 'better-sqlite3';

/** One reading of a committed delivery, as the journal keeps it. */
export interface JournalReading {
  assetId: string;
  channel: string;
  timestampMs: number;
  value: number;
  receivedAtMs: number;
}

/**
 * One delivery's readings as the journal takes them: the readings as decoded and their one
 * reception time, so that a commit writes them without a copy of each reading.
 */
export interface JournalDelivery {
  readings: readonly Omit<JournalReading, 'receivedAtMs'>[];
  receivedAtMs: number;
}

export interface ReadingJournal {
  /**
   * Appends the readings of the deliveries a commit holds; call once inside the commit's
   * transaction. It also prunes after `passEveryCommits` commits with readings, or once the
   * readings appended since the last pass reach `passEveryRowsPerAsset` per asset noted since;
   * returns how many assets that pass looked at (0 without one).
   */
  append(deliveries: readonly JournalDelivery[]): number;
  /** The transaction of the last `append` committed; a pass it held is done (else it is run again). */
  committed(): void;
  /** The journal, oldest first. */
  read(): JournalReading[];
}

export interface ReadingJournalOptions {
  keepMs: number;
  /** Commits with readings between two prune passes, at most (default 100). */
  passEveryCommits?: number;
  /**
   * Readings appended per asset noted since the last pass that call for a pass (default 256): a
   * pass costs one delete per noted asset, so the cost per reading stays the same at any rate.
   */
  passEveryRowsPerAsset?: number;
}

export function createReadingJournal(db: Database, options: ReadingJournalOptions): ReadingJournal {
  const passEvery = options.passEveryCommits ?? 100;
  const rowsPerAsset = options.passEveryRowsPerAsset ?? 256;
  const insert = db.prepare(
    'INSERT INTO journal (asset_id, channel, ts_ms, value, received_ms) VALUES (?, ?, ?, ?, ?)',
  );
  const pruneAsset = db.prepare(
    'DELETE FROM journal WHERE asset_id = ? AND ts_ms < (SELECT MAX(ts_ms) FROM journal WHERE asset_id = ?) - ?',
  );
  // A previous process may have stopped between two passes: each asset it journaled is looked at once.
  let noted = new Set(db.prepare('SELECT DISTINCT asset_id FROM journal').pluck().all() as string[]);
  let pruned: Set<string> | undefined;
  let commitsSincePass = 0;
  let rowsSincePass = 0;

  const prune = (): number => {
    pruned = noted;
    noted = new Set();
    commitsSincePass = 0;
    rowsSincePass = 0;
    for (const assetId of pruned) pruneAsset.run(assetId, assetId, options.keepMs);
    return pruned.size;
  };

  return {
    append(deliveries) {
      // A pass whose transaction rolled back is owed: its assets are noted again.
      if (pruned !== undefined) for (const assetId of pruned) noted.add(assetId);
      pruned = undefined;
      let count = 0;
      for (const { readings, receivedAtMs } of deliveries) {
        let previous: string | undefined;
        for (let i = 0; i < readings.length; i++) {
          const r = readings[i]!;
          insert.run(r.assetId, r.channel, r.timestampMs, r.value, receivedAtMs);
          if (r.assetId !== previous) noted.add(r.assetId);
          previous = r.assetId;
        }
        count += readings.length;
      }
      if (count === 0) return 0;
      rowsSincePass += count;
      const isDue = ++commitsSincePass >= passEvery || rowsSincePass >= rowsPerAsset * noted.size;
      return isDue ? prune() : 0;
    },
    committed() {
      pruned = undefined;
    },
    read() {
      return (
        db.prepare('SELECT asset_id, channel, ts_ms, value, received_ms FROM journal ORDER BY seq').all() as {
          asset_id: string;
          channel: string;
          ts_ms: number;
          value: number;
          received_ms: number;
        }[]
      ).map((r) => ({
        assetId: r.asset_id,
        channel: r.channel,
        timestampMs: r.ts_ms,
        value: r.value,
        receivedAtMs: r.received_ms,
      }));
    },
  };
}
