// Reads of the embedded store: the same shapes the InfluxQL reader returns.
// Frames keep their values as float64 blobs, so missing cells stay NaN.
import type { Database } from 'better-sqlite3';
import {
  type AlertQuery,
  defaultAlertLimit,
  defaultScoreLimit,
  type FrameQuery,
  type ScoreQuery,
} from './record-reader.js';
import type { AlertEventRecord, FrameRecord, ScoreRecord } from './records.js';

interface ScoreRow {
  asset_id: string;
  at_ms: number;
  score: number;
  threshold: number;
  ratio: number;
  model_version: string;
  state: ScoreRecord['state'];
  channels: string;
  contributions: string;
  top_channels: string;
}
interface AlertRow {
  id: string;
  type: AlertEventRecord['type'];
  at_ms: number;
  asset_id: string;
  severity: AlertEventRecord['severity'];
  ratio: number;
  peak_ratio: number;
  top_channels: string;
  opened_at_ms: number;
  model_version: string;
  reason: string | null;
}
interface FrameRow {
  asset_id: string;
  at_ms: number;
  state: FrameRecord['state'];
  channels: string;
  vals: Buffer;
}

export function createStoreQueries(db: Database) {
  // Limits are applied in SQL, so a wide range never loads more rows than are returned;
  // `latest` takes the newest rows by the index in reverse, then puts them oldest first.
  const ranged = (table: string, order: 'ASC' | 'DESC') =>
    `SELECT * FROM ${table} WHERE asset_id = ? AND at_ms >= ? AND at_ms < ? ORDER BY at_ms ${order} LIMIT ?`;
  const oldestFirst = (sql: string) => `SELECT * FROM (${sql}) ORDER BY at_ms`;
  const scores = db.prepare(ranged('scores', 'ASC'));
  const latestScores = db.prepare(oldestFirst(ranged('scores', 'DESC')));
  const frames = db.prepare(ranged('frames', 'ASC'));
  const latestFrames = db.prepare(oldestFirst(ranged('frames', 'DESC')));
  const assets = db
    .prepare(
      'SELECT asset_id FROM scores UNION SELECT asset_id FROM frames UNION SELECT asset_id FROM alerts ORDER BY asset_id',
    )
    .pluck();

  return {
    queryScores(query: ScoreQuery): ScoreRecord[] {
      const rows = (query.latest === true ? latestScores : scores).all(
        query.assetId,
        query.fromMs,
        query.toMs,
        query.limit ?? defaultScoreLimit,
      ) as ScoreRow[];
      return rows.map((r) => ({
        assetId: r.asset_id,
        atMs: r.at_ms,
        score: r.score,
        threshold: r.threshold,
        ratio: r.ratio,
        modelVersion: r.model_version,
        state: r.state,
        channels: JSON.parse(r.channels) as string[],
        contributions: JSON.parse(r.contributions) as number[],
        topChannels: JSON.parse(r.top_channels) as string[],
      }));
    },
    queryAlerts(query: AlertQuery): AlertEventRecord[] {
      const order = query.newestFirst === true ? 'DESC' : 'ASC';
      const where = query.assetId === undefined ? '' : 'WHERE asset_id = ?';
      const params: (string | number)[] = query.assetId === undefined ? [] : [query.assetId];
      const rows = db
        .prepare(`SELECT * FROM alerts ${where} ORDER BY at_ms ${order}, id ${order}, type ${order} LIMIT ?`)
        .all(...params, query.limit ?? defaultAlertLimit) as AlertRow[];
      return rows.map((r) => {
        const alert: AlertEventRecord = {
          id: r.id,
          assetId: r.asset_id,
          type: r.type,
          severity: r.severity,
          ratio: r.ratio,
          peakRatio: r.peak_ratio,
          topChannels: JSON.parse(r.top_channels) as string[],
          atMs: r.at_ms,
          openedAtMs: r.opened_at_ms,
          modelVersion: r.model_version,
        };
        if (r.reason !== null) alert.reason = r.reason;
        return alert;
      });
    },
    queryFrames(query: FrameQuery): FrameRecord[] {
      // SQLite reads LIMIT -1 as no limit.
      const rows = (query.latest === true ? latestFrames : frames).all(
        query.assetId,
        query.fromMs,
        query.toMs,
        query.limit ?? -1,
      ) as FrameRow[];
      return rows.map((r) => {
        const copy = new Uint8Array(r.vals).buffer;
        return {
          assetId: r.asset_id,
          atMs: r.at_ms,
          state: r.state,
          channels: JSON.parse(r.channels) as string[],
          values: Array.from(new Float64Array(copy)),
        };
      });
    },
    listAssets(): string[] {
      return assets.all() as string[];
    },
  };
}
