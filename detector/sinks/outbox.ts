// The durable delivery queues: one queue per sink in the `outbox` table (id
// order, idempotency key unique per sink), and the `dead_letters` table for
// rows that failed for good. Rows are enqueued inside the store's commit
// transaction; the drainer reads the head, deletes on success, reschedules or
// dead-letters on failure. The size is bounded: a full outbox refuses commits.
import type { Database } from 'better-sqlite3';
import { PipelineError, type Telemetry } from '../../core/index.js';
import type { OutboxEntry, OutboxRow } from './sink.js';

export interface OutboxLimits {
  maxRows: number;
  maxBytes: number;
}

export interface DeadLetter {
  id: number;
  sink: string;
  key: string;
  payload: string;
  attempts: number;
  error: string;
  createdMs: number;
  deadLetteredMs: number;
}

export interface Outbox {
  /** Throws a retriable SINK_WRITE_FAILED ("outbox full") when the rows would not fit. */
  assertRoomFor(rows: number, bytes: number): void;
  /** Appends rows of `sink`; a key already queued for that sink is skipped. Call inside a transaction. */
  enqueue(sink: string, entries: readonly OutboxEntry[], nowMs: number): number;
  /** Re-reads sizes from the table (after a rolled-back transaction). */
  recount(): void;
  /**
   * The head of `sink`'s queue in id order, up to the limits (at least one row
   * when any is due). Stops at the first row not due yet, so a backed-off row
   * is never overtaken and delivery order is kept.
   */
  peek(sink: string, nowMs: number, maxRows: number, maxBytes: number): OutboxRow[];
  /** When the head of `sink`'s queue is due, or undefined when the queue is empty. */
  headDueMs(sink: string): number | undefined;
  remove(sink: string, ids: readonly number[]): void;
  /** Counts a failed attempt and sets when the rows are tried again. */
  reschedule(sink: string, ids: readonly number[], nextAttemptMs: number, error: string): void;
  /** Moves rows to the dead letters (counting the attempt that failed). */
  deadLetter(sink: string, ids: readonly number[], error: string, nowMs: number): void;
  depth(sink?: string): { rows: number; bytes: number };
  /** Commit time of the oldest row still waiting for `sink`, or undefined when its queue is empty. */
  oldestUndeliveredMs(sink: string): number | undefined;
  listDeadLetters(filter?: { sink?: string; limit?: number }): DeadLetter[];
  /** Moves dead letters back to the end of their sink's queue with a fresh attempt count. */
  replayDeadLetters(filter: { sink?: string; ids?: readonly number[] }, nowMs: number): number;
}

interface RowRecord {
  id: number;
  sink: string;
  key: string;
  payload: string;
  bytes: number;
  attempts: number;
  next_attempt_ms: number;
  created_ms: number;
}

export function createOutbox(db: Database, limits: OutboxLimits, telemetry: Telemetry): Outbox {
  const sizes = new Map<string, { rows: number; bytes: number }>();
  const insert = db.prepare(
    'INSERT INTO outbox (sink, key, payload, bytes, created_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT (sink, key) DO NOTHING',
  );
  const head = db.prepare(
    'SELECT id, sink, key, payload, bytes, attempts, next_attempt_ms, created_ms FROM outbox WHERE sink = ? ORDER BY id LIMIT ?',
  );
  const headDue = db.prepare('SELECT next_attempt_ms FROM outbox WHERE sink = ? ORDER BY id LIMIT 1').pluck();
  const selectOne = db.prepare(
    'SELECT id, sink, key, payload, bytes, attempts, next_attempt_ms, created_ms FROM outbox WHERE sink = ? AND id = ?',
  );
  const deleteOne = db.prepare('DELETE FROM outbox WHERE sink = ? AND id = ?');
  const rescheduleOne = db.prepare(
    'UPDATE outbox SET attempts = attempts + 1, next_attempt_ms = ?, last_error = ? WHERE sink = ? AND id = ?',
  );
  const insertDead = db.prepare(
    `INSERT INTO dead_letters (sink, key, payload, attempts, error, created_ms, dead_lettered_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (sink, key) DO UPDATE SET payload = excluded.payload, attempts = excluded.attempts, error = excluded.error, dead_lettered_ms = excluded.dead_lettered_ms`,
  );
  // Rows are queued in commit order (a replayed dead letter is queued anew, with the time of the
  // replay), so the head of the queue is the oldest row.
  const headCreated = db.prepare('SELECT created_ms FROM outbox WHERE sink = ? ORDER BY id LIMIT 1').pluck();
  const countAll = db.prepare(
    'SELECT sink, COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM outbox GROUP BY sink',
  );

  const adjust = (sink: string, rows: number, bytes: number): void => {
    const size = sizes.get(sink) ?? { rows: 0, bytes: 0 };
    size.rows += rows;
    size.bytes += bytes;
    sizes.set(sink, size);
    telemetry.gauge('sink_queue_depth_rows', size.rows, { sink });
  };
  const total = (): { rows: number; bytes: number } => {
    let rows = 0;
    let bytes = 0;
    for (const size of sizes.values()) {
      rows += size.rows;
      bytes += size.bytes;
    }
    return { rows, bytes };
  };
  const recount = (): void => {
    const before = [...sizes.keys()];
    sizes.clear();
    for (const sink of before) sizes.set(sink, { rows: 0, bytes: 0 });
    for (const r of countAll.all() as { sink: string; n: number; b: number }[]) {
      sizes.set(r.sink, { rows: r.n, bytes: r.b });
    }
    for (const [sink, size] of sizes) telemetry.gauge('sink_queue_depth_rows', size.rows, { sink });
  };
  recount();

  const removeRows = db.transaction((sink: string, ids: readonly number[]) => {
    let bytes = 0;
    let rows = 0;
    for (const id of ids) {
      const row = selectOne.get(sink, id) as RowRecord | undefined;
      if (row === undefined) continue;
      deleteOne.run(sink, id);
      rows += 1;
      bytes += row.bytes;
    }
    return { rows, bytes };
  });
  const deadLetterRows = db.transaction(
    (sink: string, ids: readonly number[], error: string, nowMs: number) => {
      let bytes = 0;
      let rows = 0;
      for (const id of ids) {
        const row = selectOne.get(sink, id) as RowRecord | undefined;
        if (row === undefined) continue;
        insertDead.run(sink, row.key, row.payload, row.attempts + 1, error, row.created_ms, nowMs);
        deleteOne.run(sink, id);
        rows += 1;
        bytes += row.bytes;
      }
      return { rows, bytes };
    },
  );

  return {
    assertRoomFor(rows, bytes) {
      const now = total();
      // An empty outbox takes any batch, so one oversized batch cannot block forever.
      if (now.rows === 0) return;
      if (now.rows + rows > limits.maxRows || now.bytes + bytes > limits.maxBytes) {
        throw new PipelineError(
          'SINK_WRITE_FAILED',
          `outbox full (${now.rows} rows, ${now.bytes} bytes; limits store.maxOutboxRows=${limits.maxRows}, store.maxOutboxBytes=${limits.maxBytes}); a sink is not keeping up or is unreachable, so input is held back until it drains`,
          {
            retriable: true,
            details: {
              outboxRows: now.rows,
              outboxBytes: now.bytes,
              incomingRows: rows,
              incomingBytes: bytes,
            },
          },
        );
      }
    },
    enqueue(sink, entries, nowMs) {
      let rows = 0;
      let bytes = 0;
      for (const entry of entries) {
        const size = Buffer.byteLength(entry.payload);
        if (insert.run(sink, entry.key, entry.payload, size, nowMs).changes > 0) {
          rows += 1;
          bytes += size;
        }
      }
      if (rows > 0) adjust(sink, rows, bytes);
      return rows;
    },
    recount,
    peek(sink, nowMs, maxRows, maxBytes) {
      const candidates = head.all(sink, Math.max(1, maxRows)) as RowRecord[];
      const out: OutboxRow[] = [];
      let bytes = 0;
      for (const r of candidates) {
        if (r.next_attempt_ms > nowMs) break;
        if (out.length > 0 && bytes + r.bytes > maxBytes) break;
        bytes += r.bytes;
        out.push({
          id: r.id,
          sink: r.sink,
          key: r.key,
          payload: r.payload,
          attempts: r.attempts,
          createdMs: r.created_ms,
        });
      }
      return out;
    },
    headDueMs(sink) {
      return headDue.get(sink) as number | undefined;
    },
    remove(sink, ids) {
      const removed = removeRows(sink, ids);
      adjust(sink, -removed.rows, -removed.bytes);
    },
    reschedule(sink, ids, nextAttemptMs, error) {
      db.transaction(() => {
        for (const id of ids) rescheduleOne.run(nextAttemptMs, error, sink, id);
      })();
    },
    deadLetter(sink, ids, error, nowMs) {
      const moved = deadLetterRows(sink, ids, error, nowMs);
      adjust(sink, -moved.rows, -moved.bytes);
    },
    depth(sink) {
      if (sink === undefined) return total();
      const size = sizes.get(sink);
      return size === undefined ? { rows: 0, bytes: 0 } : { ...size };
    },
    oldestUndeliveredMs(sink) {
      return headCreated.get(sink) as number | undefined;
    },
    listDeadLetters(filter = {}) {
      const limit = filter.limit ?? 1000;
      const rows = (
        filter.sink === undefined
          ? db.prepare('SELECT * FROM dead_letters ORDER BY id LIMIT ?').all(limit)
          : db
              .prepare('SELECT * FROM dead_letters WHERE sink = ? ORDER BY id LIMIT ?')
              .all(filter.sink, limit)
      ) as {
        id: number;
        sink: string;
        key: string;
        payload: string;
        attempts: number;
        error: string;
        created_ms: number;
        dead_lettered_ms: number;
      }[];
      return rows.map((r) => ({
        id: r.id,
        sink: r.sink,
        key: r.key,
        payload: r.payload,
        attempts: r.attempts,
        error: r.error,
        createdMs: r.created_ms,
        deadLetteredMs: r.dead_lettered_ms,
      }));
    },
    replayDeadLetters(filter, nowMs) {
      const replay = db.transaction(() => {
        const conditions: string[] = [];
        const params: (string | number)[] = [];
        if (filter.sink !== undefined) {
          conditions.push('sink = ?');
          params.push(filter.sink);
        }
        if (filter.ids !== undefined) {
          if (filter.ids.length === 0) return [];
          conditions.push(`id IN (${filter.ids.map(() => '?').join(', ')})`);
          params.push(...filter.ids);
        }
        const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
        const dead = db
          .prepare(`SELECT id, sink, key, payload FROM dead_letters ${where} ORDER BY id`)
          .all(...params) as { id: number; sink: string; key: string; payload: string }[];
        const added: { sink: string; bytes: number }[] = [];
        const deleteDead = db.prepare('DELETE FROM dead_letters WHERE id = ?');
        for (const d of dead) {
          const bytes = Buffer.byteLength(d.payload);
          if (insert.run(d.sink, d.key, d.payload, bytes, nowMs).changes > 0)
            added.push({ sink: d.sink, bytes });
          deleteDead.run(d.id);
        }
        return added;
      });
      const added = replay();
      for (const a of added) adjust(a.sink, 1, a.bytes);
      return added.length;
    },
  };
}
