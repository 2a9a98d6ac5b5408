// The tables of the local database: the embedded store (scores, alerts,
// frames, model events, operator labels, silence history) and the delivery
// queues (outbox, dead_letters). `user_version` records the layout so a later
// release can migrate instead of guessing.
import type { Database } from 'better-sqlite3';
import { PipelineError } from '../../core/index.js';

export const storeSchemaVersion = 5;

const ddl = `
CREATE TABLE IF NOT EXISTS scores (
  asset_id TEXT NOT NULL, at_ms INTEGER NOT NULL, score REAL NOT NULL, threshold REAL NOT NULL,
  ratio REAL NOT NULL, model_version TEXT NOT NULL, state TEXT NOT NULL,
  channels TEXT NOT NULL, contributions TEXT NOT NULL, top_channels TEXT NOT NULL,
  PRIMARY KEY (asset_id, at_ms)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS scores_by_time ON scores (at_ms);
CREATE TABLE IF NOT EXISTS alerts (
  id TEXT NOT NULL, type TEXT NOT NULL, at_ms INTEGER NOT NULL, asset_id TEXT NOT NULL,
  severity TEXT NOT NULL, ratio REAL NOT NULL, peak_ratio REAL NOT NULL, top_channels TEXT NOT NULL,
  opened_at_ms INTEGER NOT NULL, model_version TEXT NOT NULL, reason TEXT,
  PRIMARY KEY (id, type, at_ms)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS alerts_by_time ON alerts (at_ms);
CREATE INDEX IF NOT EXISTS alerts_by_asset ON alerts (asset_id, at_ms);
CREATE TABLE IF NOT EXISTS frames (
  asset_id TEXT NOT NULL, at_ms INTEGER NOT NULL, state TEXT NOT NULL,
  channels TEXT NOT NULL, vals BLOB NOT NULL,
  PRIMARY KEY (asset_id, at_ms)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS frames_by_time ON frames (at_ms);
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT, sink TEXT NOT NULL, key TEXT NOT NULL, payload TEXT NOT NULL,
  bytes INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_ms INTEGER NOT NULL DEFAULT 0,
  last_error TEXT, created_ms INTEGER NOT NULL,
  UNIQUE (sink, key)
);
CREATE INDEX IF NOT EXISTS outbox_by_sink ON outbox (sink, id);
CREATE TABLE IF NOT EXISTS dead_letters (
  id INTEGER PRIMARY KEY AUTOINCREMENT, sink TEXT NOT NULL, key TEXT NOT NULL, payload TEXT NOT NULL,
  attempts INTEGER NOT NULL, error TEXT NOT NULL, created_ms INTEGER NOT NULL, dead_lettered_ms INTEGER NOT NULL,
  UNIQUE (sink, key)
);
-- The live pipeline's durable state (layout 2): the readings of committed deliveries,
-- replayed after a restart to rebuild open cells and window rings, and each asset's
-- detector state as of the last commit.
CREATE TABLE IF NOT EXISTS journal (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, asset_id TEXT NOT NULL, channel TEXT NOT NULL,
  ts_ms INTEGER NOT NULL, value REAL NOT NULL, received_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS journal_by_asset ON journal (asset_id, ts_ms);
CREATE TABLE IF NOT EXISTS asset_state (
  asset_id TEXT PRIMARY KEY, state TEXT NOT NULL, updated_ms INTEGER NOT NULL
) WITHOUT ROWID;
-- Silences added at run time through the API (layout 3), restored at start. Since layout 4
-- ended ones stay (retraining excludes silenced periods) until the alerts retention prunes them.
CREATE TABLE IF NOT EXISTS silences (
  id TEXT PRIMARY KEY, asset_pattern TEXT NOT NULL, until_ms INTEGER NOT NULL, reason TEXT NOT NULL,
  created_by TEXT NOT NULL, created_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
`;

// Layout 4: operator labels (periods marked normal / not normal) and model events.
const ddlLayout4 = `
CREATE INDEX IF NOT EXISTS silences_by_end ON silences (until_ms);
CREATE TABLE IF NOT EXISTS labels (
  id TEXT PRIMARY KEY, asset_pattern TEXT NOT NULL, from_ms INTEGER NOT NULL, to_ms INTEGER NOT NULL,
  kind TEXT NOT NULL, reason TEXT NOT NULL, created_by TEXT NOT NULL, created_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS labels_by_time ON labels (from_ms, to_ms);
CREATE TABLE IF NOT EXISTS model_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL, model TEXT NOT NULL, event TEXT NOT NULL,
  version TEXT, previous_version TEXT, reason TEXT, details TEXT,
  UNIQUE (model, at_ms, event)
);
CREATE INDEX IF NOT EXISTS model_events_by_time ON model_events (at_ms);
`;

// Layout 5: every table is pruned by age, dead letters by when they failed.
const ddlLayout5 = `
CREATE INDEX IF NOT EXISTS dead_letters_by_time ON dead_letters (dead_lettered_ms);
`;

/**
 * Creates the tables of an empty database and upgrades an older layout in place,
 * keeping its data (every step only adds tables and indexes); refuses a database
 * written by a newer layout.
 */
export function migrateStore(db: Database, path: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > storeSchemaVersion) {
    throw new PipelineError(
      'SINK_WRITE_FAILED',
      `local store ${path} has layout version ${version}, newer than this release understands (${storeSchemaVersion}); upgrade gruwatch or point \`store.path\` elsewhere`,
      { details: { path, version } },
    );
  }
  // An up-to-date database is not written to: opening must work on a full disk.
  if (version === storeSchemaVersion) return;
  db.transaction(() => {
    db.exec(ddl);
    db.exec(ddlLayout4);
    db.exec(ddlLayout5);
    db.pragma(`user_version = ${storeSchemaVersion}`);
  })();
}

/**
 * Drops indexes that nothing reads. The journal is read in sequence and pruned per asset, never by
 * time alone, so an index on its time would cost every commit a page of the write-ahead log for
 * nothing. The layout version stays: an earlier release opens the database as before (it never
 * read the index). Best effort, since it writes: returns false when it could not (a full disk).
 */
export function dropUnusedIndexes(db: Database): boolean {
  try {
    db.exec('DROP INDEX IF EXISTS journal_by_time');
    return true;
  } catch {
    return false;
  }
}
