// The live detection pipeline between a source's delivery and its
// acknowledgement: aligned frames and windows come in from ingest, windows go
// through the asset's model and the detector, and everything one delivery
// produced is committed to the local store in one transaction, together with
// the delivery's readings (the journal) and the touched assets' detector
// state. Only then is the delivery acknowledged, so a crash at any moment
// loses nothing the broker would not redeliver, and a restart resumes exactly
// where the last commit ended (see replay in service.ts).
import type { Logger } from '../core/index.js';
import type { AssetMonitor, MonitoredWindow, MonitorResult } from '../detector/index.js';
import type {
  AlertEventRecord,
  FrameRecord,
  JournalReading,
  PipelineCommit,
  RecordBatch,
  ScoreRecord,
} from '../detector/sinks/index.js';
import type { AlignedFrame, AlignedWindow, SourceDelivery } from '../ingest/index.js';
import type { Scorer } from '../model/index.js';
import type { LiveHub } from './live-hub.js';
import type { ServiceMetrics } from './metrics.js';

/** The model serving one asset, as loaded from the registry. */
export interface ActiveModel {
  name: string;
  version: string;
  channels: readonly string[];
  T: number;
  scorer: Scorer;
}

export interface PipelineStore {
  /** Writes the records, the delivery's readings (journal) and the touched assets' state atomically. */
  commit(batch: RecordBatch, pipeline: PipelineCommit): void;
}

/** Per-asset progress: the newest frame and window already committed. */
export interface AssetProgress {
  frameAtMs: number;
  windowAtMs: number;
}

export interface PersistedAssetState {
  progress: AssetProgress;
  monitor: ReturnType<AssetMonitor['snapshot']>;
}

export interface PipelineDeps {
  modelFor(assetId: string): ActiveModel | undefined;
  monitor: AssetMonitor;
  store: PipelineStore;
  metrics: ServiceMetrics;
  live: LiveHub;
  logger: Logger;
  /** Progress restored from the store; frames and windows at or before it are not produced again. */
  progress?: ReadonlyMap<string, AssetProgress>;
  /** After the detector judged a live window (not during replay): the shadow comparison listens here. */
  onJudged?(window: MonitoredWindow, result: MonitorResult, modelName: string | undefined): void;
}

export interface Pipeline {
  onFrame(frame: AlignedFrame): void;
  onWindow(window: AlignedWindow): void;
  /** Commits what the delivery produced; throws (and keeps nothing) when the store refuses. */
  commitDelivery(delivery: Pick<SourceDelivery, 'readings' | 'origin'>): void;
  /** While replaying the journal, outputs are rebuilt but nothing is committed or published. */
  setReplaying(isReplaying: boolean): void;
  /**
   * Forgets the progress and detector state of assets ingest no longer tracks; an asset with
   * output not yet committed is forgotten right after the next commit has written its state.
   */
  forgetAssets(assetIds: readonly string[]): void;
}

function emptyBatch(): RecordBatch {
  return { scores: [], alerts: [], frames: [] };
}

function toAlertRecord(
  event: MonitorResult['events'][number],
  modelVersion: string,
): AlertEventRecord | undefined {
  // The sinks carry the three lifecycle events operators act on; flapping marks travel on them.
  if (event.type !== 'opened' && event.type !== 'escalated' && event.type !== 'resolved') return undefined;
  return {
    id: event.id,
    assetId: event.assetId,
    type: event.type,
    severity: event.severity,
    ratio: event.ratio ?? 0,
    peakRatio: event.peakRatio,
    topChannels: event.topChannels.map((c) => c.channel),
    atMs: event.atMs,
    openedAtMs: event.openedAtMs,
    modelVersion,
    ...(event.reason ? { reason: event.reason } : {}),
  };
}

export function createPipeline(deps: PipelineDeps): Pipeline {
  const log = deps.logger.child({ component: 'pipeline' });
  const { monitor, metrics, live } = deps;
  const progress = new Map<string, AssetProgress>(deps.progress ?? []);
  let batch = emptyBatch();
  let touched = new Set<string>();
  let isReplaying = false;
  let forgetAfterCommit = new Set<string>();
  const forget = (assetIds: readonly string[]): void => {
    if (assetIds.length === 0) return;
    for (const id of assetIds) progress.delete(id);
    monitor.dropAssets(assetIds);
  };
  const progressOf = (assetId: string): AssetProgress => {
    let p = progress.get(assetId);
    if (p === undefined) {
      p = { frameAtMs: Number.NEGATIVE_INFINITY, windowAtMs: Number.NEGATIVE_INFINITY };
      progress.set(assetId, p);
    }
    return p;
  };

  return {
    setReplaying(value) {
      isReplaying = value;
    },

    forgetAssets(assetIds) {
      const now: string[] = [];
      for (const id of assetIds) {
        if (touched.has(id)) forgetAfterCommit.add(id);
        else now.push(id);
      }
      forget(now);
    },

    onFrame(frame) {
      const p = progressOf(frame.assetId);
      if (frame.startMs <= p.frameAtMs) return; // committed before a restart
      p.frameAtMs = frame.startMs;
      touched.add(frame.assetId);
      const record: FrameRecord = {
        assetId: frame.assetId,
        atMs: frame.startMs,
        channels: frame.channels,
        values: Array.from(frame.values),
        state: frame.state,
      };
      batch.frames.push(record);
    },

    onWindow(window) {
      const { assetId, channels } = window;
      const C = channels.length;
      const T = window.values.length / C;
      const atMs = window.endMs - window.periodMs;
      const p = progressOf(assetId);
      if (atMs <= p.windowAtMs) return; // scored before a restart
      p.windowAtMs = atMs;
      touched.add(assetId);
      const model = deps.modelFor(assetId);
      const monitored = {
        assetId,
        atMs,
        state: window.state,
        channels,
        T,
        values: window.values,
      };
      const verdict = monitor.verdict(monitored);
      let residuals: Float32Array | null = null;
      if (verdict.shouldScore && model !== undefined) {
        const startNs = process.hrtime.bigint();
        const scores = model.scorer.score(window.values);
        residuals = scores.residuals.subarray(0, T * C);
        if (!isReplaying) metrics.scoringLatency.observe(Number(process.hrtime.bigint() - startNs) / 1e9);
      }
      const result = monitor.observe(monitored, residuals, verdict);
      if (isReplaying) return;
      deps.onJudged?.(monitored, result, model?.name);
      if (result.scored && result.scored.ratio !== null && result.scored.threshold !== undefined) {
        metrics.count('detector_windows_scored_total');
        const score: ScoreRecord = {
          assetId,
          atMs,
          score: result.scored.score,
          threshold: result.scored.threshold,
          ratio: result.scored.ratio,
          modelVersion: model?.version ?? 'none',
          state: 'ok',
          channels,
          contributions: Array.from(result.scored.contributions),
          topChannels: result.scored.topChannels.map((c) => c.channel),
        };
        batch.scores.push(score);
        live.publish({
          type: 'score',
          data: { ...score, topChannels: result.scored.topChannels, status: result.status },
        });
      } else {
        const reason = !verdict.shouldScore
          ? verdict.reason
          : model === undefined
            ? 'no_model'
            : 'warming_up';
        metrics.count('detector_windows_skipped_total', { reason });
        live.publish({ type: 'status', data: { assetId, atMs, status: result.status, reason } });
      }
      for (const event of result.events) {
        metrics.count('detector_alert_events_total', { event: event.type, severity: event.severity });
        log.info(
          { assetId, alertId: event.id, event: event.type, severity: event.severity, ratio: event.ratio },
          'Alert event.',
        );
        const record = toAlertRecord(event, model?.version ?? 'none');
        if (record !== undefined) batch.alerts.push(record);
        live.publish({ type: 'alert', data: event });
      }
    },

    commitDelivery(delivery) {
      if (isReplaying) return;
      const receivedAtMs = delivery.origin.receivedAtMs;
      const journal: JournalReading[] = delivery.readings.map((r) => ({ ...r, receivedAtMs }));
      const assetState = new Map<string, string>();
      for (const assetId of touched) {
        const state: PersistedAssetState = {
          progress: progressOf(assetId),
          monitor: monitor.snapshot([assetId]),
        };
        assetState.set(assetId, JSON.stringify(state));
      }
      const committing = batch;
      batch = emptyBatch();
      touched = new Set();
      // When this throws, the aligner and the detector have already moved past the delivery, so a
      // redelivery would be taken for a duplicate: the service stops (crash-only) and its restart
      // resumes from the last commit, where the broker's redelivery fits again.
      deps.store.commit(committing, { journal, assetState });
      if (forgetAfterCommit.size > 0) {
        const ids = [...forgetAfterCommit];
        forgetAfterCommit = new Set();
        forget(ids);
      }
    },
  };
}
