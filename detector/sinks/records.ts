// The records the pipeline hands to the sinks: one batch per acknowledged
// input message (or Kafka offset range). `LocalStore.commit` makes a batch
// durable; everything downstream is delivered from the local outbox.

export type ScoreState = 'ok' | 'gap' | 'unknown' | 'off';
export type FrameState = 'ok' | 'gap' | 'unknown';
export type AlertEventKind = 'opened' | 'escalated' | 'resolved';
export type AlertSeverity = 'warning' | 'critical';

export interface ScoreRecord {
  assetId: string;
  /** Window end. */
  atMs: number;
  score: number;
  threshold: number;
  ratio: number;
  modelVersion: string;
  state: ScoreState;
  channels: readonly string[];
  /** Share of the error per channel, in `channels` order; sums to 1. */
  contributions: readonly number[];
  topChannels: readonly string[];
}

export interface AlertEventRecord {
  /** Stable alert id. */
  id: string;
  assetId: string;
  type: AlertEventKind;
  severity: AlertSeverity;
  ratio: number;
  peakRatio: number;
  topChannels: readonly string[];
  atMs: number;
  openedAtMs: number;
  modelVersion: string;
  reason?: string;
}

export interface FrameRecord {
  assetId: string;
  atMs: number;
  channels: readonly string[];
  /** In `channels` order; NaN where the cell had no value. */
  values: readonly number[];
  state: FrameState;
}

export interface RecordBatch {
  scores: ScoreRecord[];
  alerts: AlertEventRecord[];
  frames: FrameRecord[];
}

export const severityRank: Record<AlertSeverity, number> = { warning: 1, critical: 2 };
