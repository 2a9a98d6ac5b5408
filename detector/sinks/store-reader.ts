// A read-only view of the local store for another thread (the retraining
// worker): its own SQLite connection, which in WAL mode reads a consistent
// snapshot while the service keeps committing on the main thread.
import Database from 'better-sqlite3';
import { createStoreQueries } from './store-queries.js';

/** The embedded store's record queries (synchronous), as `RecordReader` describes them. */
export interface StoreReader extends ReturnType<typeof createStoreQueries> {
  /** Time of the newest stored frame of the asset, if any. */
  newestFrameAtMs(assetId: string): number | undefined;
  close(): void;
}

export function openStoreReader(path: string): StoreReader {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const queries = createStoreQueries(db);
  const newest = db.prepare('SELECT MAX(at_ms) AS at FROM frames WHERE asset_id = ?');
  return {
    ...queries,
    newestFrameAtMs(assetId) {
      const row = newest.get(assetId) as { at: number | null } | undefined;
      return row?.at ?? undefined;
    },
    close() {
      db.close();
    },
  };
}
