// Silences added through the API, kept past their end: the live detector
// restores the ones still in force, and retraining excludes every silenced
// period, also one that has ended (issue #8). Ending a silence early
// shortens it instead of erasing it.
import type { Database } from 'better-sqlite3';

/** A silence added through the API, as the store keeps it across restarts. */
export interface StoredSilence {
  id: string;
  assetPattern: string;
  /** Exclusive end; set to the deletion time when a silence was ended early. */
  untilMs: number;
  reason: string;
  createdBy: string;
  createdAtMs: number;
}

/** The span a silence covered (or covers), for excluding it from training data. */
export interface SilencePeriod {
  assetPattern: string;
  /** When the silence was created. */
  fromMs: number;
  /** Exclusive. */
  untilMs: number;
}

interface SilenceRow {
  id: string;
  asset_pattern: string;
  until_ms: number;
  reason: string;
  created_by: string;
  created_at_ms: number;
}

export function createSilenceHistory(db: Database) {
  const upsert = db.prepare(
    `INSERT OR REPLACE INTO silences (id, asset_pattern, until_ms, reason, created_by, created_at_ms)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const end = db.prepare('UPDATE silences SET until_ms = ? WHERE id = ? AND until_ms > ?');
  const inForce = db.prepare('SELECT * FROM silences WHERE until_ms > ? ORDER BY created_at_ms, id');
  const overlapping = db.prepare(
    `SELECT asset_pattern, created_at_ms, until_ms FROM silences
     WHERE created_at_ms < ? AND until_ms > ? AND until_ms > created_at_ms ORDER BY created_at_ms, id`,
  );

  return {
    save(silence: StoredSilence): void {
      upsert.run(
        silence.id,
        silence.assetPattern,
        silence.untilMs,
        silence.reason,
        silence.createdBy,
        silence.createdAtMs,
      );
    },
    /** Ends the silence at `nowMs`; false when there is none with this id still in force. */
    end(id: string, nowMs: number): boolean {
      return end.run(nowMs, id, nowMs).changes > 0;
    },
    readInForce(nowMs: number): StoredSilence[] {
      return (inForce.all(nowMs) as SilenceRow[]).map((r) => ({
        id: r.id,
        assetPattern: r.asset_pattern,
        untilMs: r.until_ms,
        reason: r.reason,
        createdBy: r.created_by,
        createdAtMs: r.created_at_ms,
      }));
    },
    listPeriods(q: { fromMs: number; toMs: number }): SilencePeriod[] {
      const rows = overlapping.all(q.toMs, q.fromMs) as Pick<
        SilenceRow,
        'asset_pattern' | 'created_at_ms' | 'until_ms'
      >[];
      return rows.map((r) => ({
        assetPattern: r.asset_pattern,
        fromMs: r.created_at_ms,
        untilMs: r.until_ms,
      }));
    },
  };
}
