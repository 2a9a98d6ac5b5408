// The read side shared by the embedded store and the InfluxQL reader, so the
// dashboards and the retraining job do not care which one serves them.
import type { AlertEventRecord, FrameRecord, ScoreRecord } from './records.js';

/** Time ranges are half-open: `fromMs <= atMs < toMs`. Results are oldest first unless stated. */
export interface ScoreQuery {
  assetId: string;
  fromMs: number;
  toMs: number;
  /** Most records returned (the oldest ones in the range, or the newest with `latest`); default 10 000. */
  limit?: number;
  /** Keep the newest `limit` records of the range instead of the oldest (still oldest first). */
  latest?: boolean;
}

export interface AlertQuery {
  assetId?: string;
  /** Most events returned; default 100. */
  limit?: number;
  /** Newest first (the API's order) instead of oldest first. */
  newestFirst?: boolean;
}

export interface FrameQuery {
  assetId: string;
  fromMs: number;
  toMs: number;
  /** Most frames returned; all in the range when left out (training reads whole ranges). */
  limit?: number;
  /** Keep the newest `limit` frames of the range instead of the oldest (still oldest first). */
  latest?: boolean;
}

export interface RecordReader {
  queryScores(query: ScoreQuery): ScoreRecord[] | Promise<ScoreRecord[]>;
  queryAlerts(query: AlertQuery): AlertEventRecord[] | Promise<AlertEventRecord[]>;
  queryFrames(query: FrameQuery): FrameRecord[] | Promise<FrameRecord[]>;
  /** Asset ids that have any score, alert or frame, sorted. */
  listAssets(): string[] | Promise<string[]>;
}

export const defaultScoreLimit = 10_000;
export const defaultAlertLimit = 100;
