// The model-event log of the embedded store: what retraining, promotion and
// rollback did to each model, written in the commit transaction of a batch and
// read back for the API and the page.
import type { Database } from 'better-sqlite3';
import { PipelineError } from '../../core/index.js';
import type { ModelEventRecord } from './records.js';

export interface ModelEventQuery {
  model?: string;
  limit: number;
  /** Default: oldest first. */
  newestFirst?: boolean;
}

interface ModelEventRow {
  at_ms: number;
  model: string;
  event: ModelEventRecord['event'];
  version: string | null;
  previous_version: string | null;
  reason: string | null;
  details: string | null;
}

export function createModelEvents(db: Database) {
  // Same identity as the InfluxDB point (model, event, time): a repeated commit replaces the row.
  const insert = db.prepare(
    `INSERT OR REPLACE INTO model_events (at_ms, model, event, version, previous_version, reason, details)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );

  return {
    /** Inside the commit transaction; throws a non-retriable error naming `modelEvents[i]`. */
    insert(events: readonly ModelEventRecord[]): void {
      events.forEach((e, i) => {
        if (!Number.isFinite(e.atMs) || e.model === '') {
          throw new PipelineError(
            'SINK_WRITE_FAILED',
            `record rejected by the local store: modelEvents[${i}] needs a finite atMs and a non-empty model`,
            { details: { field: `modelEvents[${i}]`, model: e.model, atMs: e.atMs } },
          );
        }
        insert.run(
          Math.trunc(e.atMs),
          e.model,
          e.event,
          e.version ?? null,
          e.previousVersion ?? null,
          e.reason ?? null,
          e.details === undefined ? null : JSON.stringify(e.details),
        );
      });
    },
    query(q: ModelEventQuery): ModelEventRecord[] {
      const order = q.newestFirst === true ? 'DESC' : 'ASC';
      const where = q.model === undefined ? '' : 'WHERE model = ?';
      const params: (string | number)[] = q.model === undefined ? [] : [q.model];
      const rows = db
        .prepare(`SELECT * FROM model_events ${where} ORDER BY at_ms ${order}, seq ${order} LIMIT ?`)
        .all(...params, q.limit) as ModelEventRow[];
      return rows.map((r) => {
        const event: ModelEventRecord = { atMs: r.at_ms, model: r.model, event: r.event };
        if (r.version !== null) event.version = r.version;
        if (r.previous_version !== null) event.previousVersion = r.previous_version;
        if (r.reason !== null) event.reason = r.reason;
        if (r.details !== null) event.details = JSON.parse(r.details) as Record<string, unknown>;
        return event;
      });
    },
  };
}
