// The records the pipeline hands to the sinks: one batch per acknowledged
// input message (or Kafka offset range). `LocalStore.commit` makes a batch
// durable; everything downstream is delivered from the local outbox.

import type { OperatorLabel } from '../retraining/operator-label.js';

export type ScoreState = 'ok' | 'gap' | 'unknown' | 'off';
export type FrameState = 'ok' | 'gap' | 'unknown';
/** The alert lifecycle's events, and `data_quality` (a channel of the asset went silent or came back). */
export type AlertEventKind = 'opened' | 'escalated' | 'resolved' | 'data_quality';
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

export type ModelEventKind =
  | 'retrain_started'
  | 'retrain_skipped'
  | 'retrain_failed'
  | 'candidate_refused'
  | 'candidate_accepted'
  | 'awaiting_approval'
  | 'shadow_started'
  | 'shadow_ended'
  | 'promoted'
  | 'rolled_back'
  | 'load_failed';

/** A step in the life of a model group's versions (retraining, promotion, rollback). */
export interface ModelEventRecord {
  atMs: number;
  /** The model (asset group) name. */
  model: string;
  event: ModelEventKind;
  version?: string;
  previousVersion?: string;
  reason?: string;
  /** JSON-serialisable facts of the event (metrics of a candidate, counts of a shadow run). */
  details?: Record<string, unknown>;
}

/**
 * A period an operator marked as normal (learn it despite alerts) or not normal (never learn it),
 * as the store keeps it: the retraining room's `OperatorLabel`.
 */
export type StoredOperatorLabel = OperatorLabel;

export interface RecordBatch {
  scores: ScoreRecord[];
  alerts: AlertEventRecord[];
  frames: FrameRecord[];
  /** Committed in the same transaction as the records; written to InfluxDB, not to webhooks. */
  modelEvents?: ModelEventRecord[];
}

export const severityRank: Record<AlertSeverity, number> = { warning: 1, critical: 2 };
