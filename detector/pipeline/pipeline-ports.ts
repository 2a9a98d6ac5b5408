// The ports of the live pipeline: what it needs of the store, the metrics, the live page and a
// source's delivery, as the minimal shapes it uses, so that the service hands in its own.
import type { Telemetry } from '../../core/index.js';
import type { MonitorResult } from '../asset-monitor.js';
import type { ChannelShare } from '../residual-scorer.js';
import type {
  AlertEventRecord,
  JournalReading,
  PipelineCommit,
  RecordBatch,
  ScoreRecord,
} from '../sinks/index.js';

export interface PipelineStore {
  /**
   * Writes the records, the delivery's readings (journal) and the touched assets' state atomically.
   * Throws STORE_FULL (writing nothing) when the disk is full.
   */
  commit(batch: RecordBatch, pipeline: PipelineCommit): void;
  /** Resolves once the store has room again. */
  waitForSpace(): Promise<void>;
}

/** The pipeline's self-metrics: the rooms' counters and the latency of reconstructing one window. */
export interface PipelineMetrics extends Telemetry {
  readonly scoringLatency: { observe(seconds: number): void };
}

/** What the pipeline tells the live page: scores, skipped windows and alert events as they happen. */
export type PipelineLiveEvent =
  | {
      type: 'score';
      data: Omit<ScoreRecord, 'topChannels'> & {
        topChannels: ChannelShare[];
        status: MonitorResult['status'];
      };
    }
  | {
      type: 'status';
      data: {
        assetId: string;
        atMs: number;
        status: MonitorResult['status'];
        reason: string;
        code?: string;
        detail?: string;
      };
    }
  | { type: 'alert'; data: MonitorResult['events'][number] | AlertEventRecord };

/** Where live events go; a property, so that a hub taking a wider event type fits. */
export interface LivePublisher {
  publish: (event: PipelineLiveEvent) => void;
}

/** A reading of a delivery as the journal keeps it (before its reception time is added). */
export type DeliveredReading = Omit<JournalReading, 'receivedAtMs'>;

/** What the pipeline needs of a source's delivery: its readings and where it came from. */
export interface PipelineDelivery<Origin extends DeliveryOriginTime> {
  readings: readonly DeliveredReading[];
  origin: Origin;
}

/** The pipeline reads only the reception time of a delivery's origin; the rest goes to `afterCommit`. */
export interface DeliveryOriginTime {
  receivedAtMs: number;
}
