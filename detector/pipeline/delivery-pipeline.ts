// The live detection pipeline between a source's delivery and its
// acknowledgement: aligned frames and windows come in from ingest, windows go
// through the asset's model and the detector, and everything one delivery
// produced is committed to the local store in one transaction, together with
// the delivery's readings (the journal) and the touched assets' detector
// state; deliveries handed over at the same time share that transaction
// (group commit, `commit-group.ts`). Only then is the delivery acknowledged, so a crash at any moment
// loses nothing the broker would not redeliver, and a restart resumes exactly
// where the last commit ended (the service replays the journal at start).
//
// Judging one window is contained here, in one place: whatever throws while a
// window is scored (a value the model cannot take, a machine-off rule on a
// channel the asset lacks, a model for other channels) costs that window only.
// It is counted, logged rate-limited, published as skipped, and the delivery
// goes on to its commit and acknowledgement: a window is never a reason to
// refuse a message the broker would only send again.
import {
  type AlignedFrame,
  type AlignedWindow,
  type Clock,
  createRateLimitedLog,
  isPipelineError,
  type Logger,
  systemClock,
  type WindowReconstructor,
} from '../../core/index.js';
import type { AlertEvent } from '../alert.js';
import type { AssetMonitor, MonitoredWindow, MonitorResult } from '../asset-monitor.js';
import type { ChannelSilenceTracker } from '../channel-silence.js';
import type {
  FrameRecord,
  JournalDelivery,
  PipelineCommit,
  RecordBatch,
  ScoreRecord,
} from '../sinks/index.js';
import { createCommitGroups } from './commit-group.js';
import type {
  DeliveryOriginTime,
  LivePublisher,
  PipelineDelivery,
  PipelineMetrics,
  PipelineStore,
} from './pipeline-ports.js';
import { toAlertRecord, toDataQualityRecord } from './pipeline-records.js';

/** The model serving one asset, as loaded from the registry. */
export interface ActiveModel {
  name: string;
  version: string;
  channels: readonly string[];
  T: number;
  reconstructor: WindowReconstructor;
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

export interface PipelineDeps<Origin extends DeliveryOriginTime = DeliveryOriginTime> {
  modelFor(assetId: string): ActiveModel | undefined;
  monitor: AssetMonitor;
  store: PipelineStore;
  metrics: PipelineMetrics;
  live: LivePublisher;
  logger: Logger;
  /** Declares channels silent and restored from the frames; none: no data-quality events. */
  channelSilence?: ChannelSilenceTracker;
  /** For the rate limit of repeated warnings; the system clock when omitted. */
  clock?: Clock;
  /** Progress restored from the store; frames and windows at or before it are not produced again. */
  progress?: ReadonlyMap<string, AssetProgress>;
  /**
   * After a delivery's commit, with what it wrote; the delivery is acknowledged only once the
   * returned promise resolves (the state changelog writes here).
   */
  afterCommit?(committed: {
    origin: Origin;
    journal: JournalDelivery;
    assetState: ReadonlyMap<string, string>;
  }): Promise<void>;
  /** After the detector judged a live window (not during replay): the shadow comparison listens here. */
  onJudged?(window: MonitoredWindow, result: MonitorResult, modelName: string | undefined): void;
}

export interface Pipeline<Origin extends DeliveryOriginTime = DeliveryOriginTime> {
  onFrame(frame: AlignedFrame): void;
  onWindow(window: AlignedWindow): void;
  /**
   * Commits what the delivery produced, after the deliveries before it, in one transaction with
   * the other deliveries handed over before that transaction starts (group commit). On a full store
   * it waits for space and commits the same records then, so the delivery is acknowledged only once
   * they are durable. Rejects (keeping nothing) when the store refuses for another reason, together
   * with every delivery of its group.
   */
  commitDelivery(delivery: PipelineDelivery<Origin>): Promise<void>;
  /** While replaying the journal, outputs are rebuilt but nothing is committed or published. */
  setReplaying(isReplaying: boolean): void;
  /** Gives up waiting for disk space: waiting commits reject (their deliveries stay unacknowledged). */
  stopWaiting(): void;
  /**
   * Forgets the progress and detector state of assets ingest no longer tracks; an asset with
   * output not yet committed is forgotten right after the next commit has written its state.
   */
  forgetAssets(assetIds: readonly string[]): void;
  /**
   * Forgets assets idle past `ingest.evictIdleAssetsAfterMs`: an alert open on one is resolved as
   * data_stale in the next commit first, so none stays open for an asset nobody tracks.
   */
  evictAssets(assetIds: readonly string[]): void;
  /** Takes these assets' progress and detector state (written by the instance that owned them before). */
  adoptAssets(states: ReadonlyMap<string, PersistedAssetState>): void;
}

function emptyBatch(): RecordBatch {
  return { scores: [], alerts: [], frames: [] };
}

/** The code a contained window failure is counted under: the PipelineError code, else `UNEXPECTED`. */
function failureCode(err: unknown): string {
  return isPipelineError(err) ? err.code : 'UNEXPECTED';
}

export function createPipeline<Origin extends DeliveryOriginTime = DeliveryOriginTime>(
  deps: PipelineDeps<Origin>,
): Pipeline<Origin> {
  const log = deps.logger.child({ component: 'pipeline' });
  const rateLimitedLog = createRateLimitedLog(log, deps.clock ?? systemClock);
  const { monitor, metrics, live } = deps;
  const progress = new Map<string, AssetProgress>(deps.progress ?? []);
  let batch = emptyBatch();
  let touched = new Set<string>();
  let isReplaying = false;
  let stopWaiting: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stopWaiting = resolve;
  });
  let isStopped = false;
  const commitWhenRoom = async (committing: RecordBatch, pipeline: PipelineCommit): Promise<void> => {
    for (let isWaiting = false; ; ) {
      try {
        deps.store.commit(committing, pipeline);
        if (isWaiting) log.info('The local store has room again; committing and acknowledging resume.');
        return;
      } catch (err) {
        if (!isPipelineError(err, 'STORE_FULL')) throw err;
        if (!isWaiting) {
          metrics.count('store_full_total');
          log.warn({ err }, 'The local store is full; holding input unacknowledged until space returns.');
        }
        isWaiting = true;
        await Promise.race([deps.store.waitForSpace(), stopped]);
        if (isStopped) throw err;
      }
    }
  };
  let forgetAfterCommit = new Set<string>();
  // Groups commit in delivery order: a group waiting for disk space holds back the ones after it.
  const commitGroups = createCommitGroups(async (committing, pipeline) => {
    await commitWhenRoom(committing, pipeline);
    if (forgetAfterCommit.size > 0) {
      const ids = [...forgetAfterCommit];
      forgetAfterCommit = new Set();
      forget(ids);
    }
  });
  const forget = (assetIds: readonly string[]): void => {
    if (assetIds.length === 0) return;
    for (const id of assetIds) progress.delete(id);
    monitor.dropAssets(assetIds);
    deps.channelSilence?.dropAssets(assetIds);
  };
  const progressOf = (assetId: string): AssetProgress => {
    let p = progress.get(assetId);
    if (p === undefined) {
      p = { frameAtMs: Number.NEGATIVE_INFINITY, windowAtMs: Number.NEGATIVE_INFINITY };
      progress.set(assetId, p);
    }
    return p;
  };

  const forgetAssets = (assetIds: readonly string[]): void => {
    const now: string[] = [];
    for (const id of assetIds) {
      if (touched.has(id)) forgetAfterCommit.add(id);
      else now.push(id);
    }
    forget(now);
  };

  const emitAlertEvents = (events: readonly AlertEvent[], modelVersion: string): void => {
    for (const event of events) {
      metrics.count('detector_alert_events_total', { event: event.type, severity: event.severity });
      log.info(
        {
          assetId: event.assetId,
          alertId: event.id,
          event: event.type,
          severity: event.severity,
          ratio: event.ratio,
          ...(event.reason === undefined ? {} : { reason: event.reason }),
        },
        'Alert event.',
      );
      const record = toAlertRecord(event, modelVersion);
      if (record !== undefined) batch.alerts.push(record);
      live.publish({ type: 'alert', data: event });
    }
  };

  const judge = (window: AlignedWindow, atMs: number): void => {
    const { assetId, channels } = window;
    const C = channels.length;
    const T = window.values.length / C;
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
      const scores = model.reconstructor.reconstruct(window.values);
      residuals = scores.residuals.subarray(0, T * C);
      if (!isReplaying) metrics.scoringLatency.observe(Number(process.hrtime.bigint() - startNs) / 1e9);
    }
    const result = monitor.observe(monitored, residuals, verdict);
    if (isReplaying) return;
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
      const reason = !verdict.shouldScore ? verdict.reason : model === undefined ? 'no_model' : 'warming_up';
      metrics.count('detector_windows_skipped_total', { reason });
      live.publish({ type: 'status', data: { assetId, atMs, status: result.status, reason } });
    }
    emitAlertEvents(result.events, model?.version ?? 'none');
    // Last and apart, so that a failing listener costs neither the window's records nor its state.
    try {
      deps.onJudged?.(monitored, result, model?.name);
    } catch (err) {
      rateLimitedLog.warn(
        `judged-listener:${assetId}`,
        { err, assetId },
        'A listener of judged windows failed.',
      );
    }
  };

  const containFailure = (assetId: string, atMs: number, err: unknown): void => {
    if (isReplaying) return; // counted and logged when the window was live
    const code = failureCode(err);
    metrics.count('detector_window_failures_total', { code });
    metrics.count('detector_windows_skipped_total', { reason: 'failed' });
    rateLimitedLog.warn(
      `window-failed:${assetId}:${code}`,
      { err, assetId, windowEnd: atMs, code },
      'Could not judge a window; it is skipped and the stream goes on.',
    );
    const detail = err instanceof Error ? err.message : String(err);
    live.publish({
      type: 'status',
      data: { assetId, atMs, status: 'unknown', reason: 'failed', code, detail },
    });
  };

  return {
    setReplaying(value) {
      isReplaying = value;
    },

    stopWaiting() {
      isStopped = true;
      stopWaiting();
    },

    adoptAssets(states) {
      for (const [assetId, state] of states) {
        progress.set(assetId, { ...state.progress });
        monitor.restoreAssets([assetId], state.monitor);
      }
    },

    forgetAssets,

    evictAssets(assetIds) {
      for (const id of assetIds) {
        const events = monitor.resolveForgotten(id);
        if (events.length === 0) continue;
        emitAlertEvents(events, deps.modelFor(id)?.version ?? 'none');
        // The resolution and the state without the alert are committed before the asset is forgotten.
        touched.add(id);
      }
      forgetAssets(assetIds);
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
      if (isReplaying) return;
      for (const event of deps.channelSilence?.observe(record) ?? []) {
        metrics.count('detector_data_quality_events_total', { kind: event.kind });
        log.warn(
          {
            assetId: event.assetId,
            channel: event.channel,
            kind: event.kind,
            lastValueAtMs: event.lastValueAtMs,
          },
          event.kind === 'channel_silent'
            ? 'A channel of the asset stopped reporting; its windows are not scored until it reports again.'
            : 'A silent channel of the asset reports again.',
        );
        const quality = toDataQualityRecord(event, deps.modelFor(frame.assetId)?.version ?? 'none');
        batch.alerts.push(quality);
        live.publish({ type: 'alert', data: quality });
      }
    },

    onWindow(window) {
      const atMs = window.endMs - window.periodMs;
      const p = progressOf(window.assetId);
      if (atMs <= p.windowAtMs) return; // scored before a restart
      p.windowAtMs = atMs;
      touched.add(window.assetId);
      try {
        judge(window, atMs);
      } catch (err) {
        containFailure(window.assetId, atMs, err);
      }
    },

    commitDelivery(delivery) {
      if (isReplaying) return Promise.resolve();
      const receivedAtMs = delivery.origin.receivedAtMs;
      // The readings as decoded with their one reception time beside them, not a copy of each:
      // copies held until the commit outlive young collections under a steady stream, so V8 comes
      // to allocate them in the old generation (pretenuring), where they die and keep its
      // committed size swinging by tens of megabytes.
      const journal: JournalDelivery = { readings: delivery.readings, receivedAtMs };
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
      // When this rejects, the aligner and the detector have already moved past the delivery, so a
      // redelivery would be taken for a duplicate: the service stops (crash-only) and its restart
      // resumes from the last commit, where the broker's redelivery fits again. A full disk is not
      // such a failure: the records wait in memory for space and are committed as they are. The
      // delivery shares its transaction with the others whose commit has not started yet.
      const committed = commitGroups.join({ batch: committing, journal, assetState });
      const { afterCommit } = deps;
      if (afterCommit === undefined) return committed;
      return committed.then(() => afterCommit({ origin: delivery.origin, journal, assetState }));
    },
  };
}
