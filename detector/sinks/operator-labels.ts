// Periods an operator marked normal or not normal through the API, kept in the
// local store for retraining's data selection. A label names assets by pattern,
// so "which labels apply to this asset" is answered here, not in SQL.
import type { Database } from 'better-sqlite3';
import { matchesAssetPattern, PipelineError } from '../../core/index.js';
import type { StoredOperatorLabel } from './records.js';

export interface LabelQuery {
  /** Only labels whose pattern matches this asset. */
  assetId?: string;
  /** Only labels overlapping `[fromMs, toMs)`. */
  fromMs?: number;
  toMs?: number;
}

interface LabelRow {
  id: string;
  asset_pattern: string;
  from_ms: number;
  to_ms: number;
  kind: StoredOperatorLabel['kind'];
  reason: string;
  created_by: string;
  created_at_ms: number;
}

export function createOperatorLabels(db: Database) {
  const upsert = db.prepare(
    `INSERT OR REPLACE INTO labels (id, asset_pattern, from_ms, to_ms, kind, reason, created_by, created_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const remove = db.prepare('DELETE FROM labels WHERE id = ?');
  const overlapping = db.prepare(
    'SELECT * FROM labels WHERE from_ms < ? AND to_ms > ? ORDER BY from_ms, created_at_ms, id',
  );

  return {
    save(label: StoredOperatorLabel): void {
      if (!(label.toMs > label.fromMs)) {
        throw new PipelineError(
          'SINK_WRITE_FAILED',
          `operator label ${label.id} rejected by the local store: toMs (${label.toMs}) must be after fromMs (${label.fromMs})`,
          { details: { field: 'toMs', id: label.id } },
        );
      }
      upsert.run(
        label.id,
        label.assetPattern,
        label.fromMs,
        label.toMs,
        label.kind,
        label.reason,
        label.createdBy,
        label.createdAtMs,
      );
    },
    delete(id: string): boolean {
      return remove.run(id).changes > 0;
    },
    /** Labels overlapping the range (all when no range), ordered by start. */
    list(q: LabelQuery = {}): StoredOperatorLabel[] {
      const rows = overlapping.all(
        q.toMs ?? Number.MAX_SAFE_INTEGER,
        q.fromMs ?? Number.MIN_SAFE_INTEGER,
      ) as LabelRow[];
      const labels = rows.map((r) => ({
        id: r.id,
        assetPattern: r.asset_pattern,
        fromMs: r.from_ms,
        toMs: r.to_ms,
        kind: r.kind,
        reason: r.reason,
        createdBy: r.created_by,
        createdAtMs: r.created_at_ms,
      }));
      const { assetId } = q;
      return assetId === undefined
        ? labels
        : labels.filter((l) => matchesAssetPattern(l.assetPattern, assetId));
    },
  };
}
