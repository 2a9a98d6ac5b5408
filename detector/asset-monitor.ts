// The detector for a fleet of assets: per window it decides whether the model
// should run (machine off, data gap and unknown are not scored), turns the
// model's residuals into a score, judges it against the asset's threshold and
// steps the asset's alert lifecycle. Time is the window's end (data time), so
// replaying the same windows after a restart yields the same events.
import { recordOf } from '../core/index.js';
import type { AlertEvent, AssetStatus, ChannelShareValue } from './alert.js';
import { resolveForgottenAssetAlert, stepAssetAlert } from './alert-lifecycle.js';
import { type AssetAlertState, assetAlertStateSchema } from './alert-state.js';
import type { DetectorConfig, Silence } from './config.js';
import { type AnchorState, createResidualAnchors } from './residual-anchor.js';
import { createResidualScorer, type ResidualScorer } from './residual-scorer.js';
import { findMachineOff, findMaintenance, findSilence, resolveMachineOffRules } from './suppression.js';
import { type AssetThresholds, createAssetThresholds } from './threshold/asset-thresholds.js';
import type { Calibration } from './threshold/calibrate-threshold.js';

/** What the monitor needs to know of a window before the model runs. */
export interface MonitoredWindow {
  assetId: string;
  /** Start of the newest frame, ms since the epoch: the time of the observation (the newest row's time). */
  atMs: number;
  state: 'ok' | 'gap' | 'unknown';
  channels: readonly string[];
  T: number;
  /**
   * Raw values of the window's frames (T, C), for the machine-off rules: a window with any frame
   * of a stopped machine is not scored, so a start-up is judged only once the window has left
   * the standstill behind (the model never learned windows that straddle a stop).
   */
  values: Float32Array;
}

export type ScoreVerdict = { shouldScore: true } | { shouldScore: false; reason: 'gap' | 'unknown' | 'off' };

/** The outcome of one window: a score when it was scored, the asset's status, and alert events. */
export interface MonitorResult {
  assetId: string;
  atMs: number;
  status: AssetStatus;
  scored?: {
    score: number;
    threshold: number | undefined;
    ratio: number | null;
    contributions: Float64Array; // (C), reused: copy to keep
    topChannels: ChannelShareValue[];
  };
  events: AlertEvent[];
}

export interface AssetSnapshot {
  assetId: string;
  status: AssetStatus;
  lastAtMs: number | null;
  score: number | null;
  threshold: number | null;
  ratio: number | null;
  topChannels: ChannelShareValue[];
  openAlertId: string | null;
}

/** Everything the monitor must carry across a restart, as plain JSON. */
export interface MonitorState {
  version: 1;
  alerts: Record<string, AssetAlertState>;
  ewma: Record<string, number>;
  thresholdHistory: Record<string, number[]>;
  /** Per-asset channel anchors (`scoring.reanchor`); absent in states written without it. */
  anchors?: Record<string, AnchorState>;
}

export interface AssetMonitor {
  verdict(window: MonitoredWindow): ScoreVerdict;
  /** Steps the asset with the window; `residuals` (T, C) when the verdict was to score, else null. */
  /** `known` is the window's verdict when the caller already asked for it (it is not computed again). */
  observe(window: MonitoredWindow, residuals: Float32Array | null, known?: ScoreVerdict): MonitorResult;
  addSilence(silence: Silence): void;
  removeSilence(predicate: (silence: Silence) => boolean): number;
  silences(): readonly Silence[];
  assets(): AssetSnapshot[];
  /** State of the given assets (all when omitted), for persistence. */
  snapshot(assetIds?: Iterable<string>): MonitorState;
  /**
   * Resolves the asset's open alert as data_stale at its last observation, before the asset is
   * forgotten for being idle; returns the events (none without an open alert).
   */
  resolveForgotten(assetId: string): AlertEvent[];
  /** Forgets every state of these assets (partitions moved to another instance, or long silent). */
  dropAssets(assetIds: Iterable<string>): void;
  /**
   * Replaces the state of the assets in `state` with it (a snapshot another instance wrote, when
   * their partition moved here); assets absent from `state` keep theirs.
   */
  restoreAssets(assetIds: readonly string[], state: MonitorState): void;
}

export interface AssetMonitorOptions {
  config: DetectorConfig;
  /** The model's calibration for each asset (by asset id), from its artifact. */
  calibrationFor(assetId: string): Calibration;
  /**
   * The model serving the asset (e.g. its registry name). Assets of one model share a scorer and
   * threshold set; a new calibration for the same model replaces them, so retraining does not add
   * one per version. Absent, they are kept per calibration.
   */
  modelOf?(assetId: string): string | undefined;
  restore?: MonitorState;
}

export function createAssetMonitor(options: AssetMonitorOptions): AssetMonitor {
  const { config } = options;
  const alertStates = new Map<string, AssetAlertState>();
  const lastScores = new Map<
    string,
    { score: number; threshold: number | undefined; ratio: number | null; top: ChannelShareValue[] }
  >();
  for (const [assetId, state] of Object.entries(options.restore?.alerts ?? {})) {
    alertStates.set(assetId, assetAlertStateSchema.parse(state));
  }
  const silences: Silence[] = [...config.silences];
  // One scorer and one threshold set per model (its current calibration): assets of one model share them.
  const scorers = new Map<
    unknown,
    { calibration: Calibration; scorer: ResidualScorer; thresholds: AssetThresholds }
  >();
  // Own copies: restoreAssets adds to them for scorers not created yet.
  const restoredEwma: Record<string, number> = { ...options.restore?.ewma };
  const restoredHistory: Record<string, number[]> = { ...options.restore?.thresholdHistory };
  const reanchor = config.scoring.reanchor;
  const anchors =
    reanchor === undefined
      ? undefined
      : createResidualAnchors(reanchor, config.scoring.hopSteps, options.restore?.anchors ?? {});
  const partsFor = (assetId: string) => {
    const calibration = options.calibrationFor(assetId);
    const key = options.modelOf?.(assetId) ?? calibration;
    let parts = scorers.get(key);
    if (parts?.calibration !== calibration) {
      parts = {
        calibration,
        scorer: createResidualScorer({
          scoring: config.scoring,
          topChannels: config.topChannels,
          ewma: restoredEwma,
          // Scores are in the units the threshold was calibrated in.
          ...(calibration.channelSpread !== undefined ? { channelSpread: calibration.channelSpread } : {}),
        }),
        thresholds: createAssetThresholds({
          threshold: config.threshold,
          overrides: config.overrides,
          calibration,
          history: restoredHistory,
        }),
      };
      scorers.set(key, parts);
    }
    return parts;
  };

  const verdict = (window: MonitoredWindow): ScoreVerdict => {
    if (window.state !== 'ok') return { shouldScore: false, reason: window.state };
    if (config.machineOff.length > 0) {
      const C = window.channels.length;
      const rules = resolveMachineOffRules(window.assetId, window.channels, config.machineOff);
      for (let t = window.T - 1; rules.length > 0 && t >= 0; t--) {
        if (findMachineOff(rules, window.values, t * C).off) return { shouldScore: false, reason: 'off' };
      }
    }
    return { shouldScore: true };
  };

  const monitor: AssetMonitor = {
    verdict,
    observe(window, residuals, known) {
      const { assetId, atMs } = window;
      const v = known ?? verdict(window);
      let scored: MonitorResult['scored'];
      if (v.shouldScore && residuals !== null) {
        const { scorer, thresholds } = partsFor(assetId);
        const alertOpen = (alertStates.get(assetId)?.alert ?? null) !== null;
        const result = scorer.score({
          assetId,
          residuals:
            anchors === undefined
              ? residuals
              : anchors.apply(assetId, residuals, window.T, window.channels.length, alertOpen, atMs),
          T: window.T,
          C: window.channels.length,
          channels: window.channels,
        });
        const judged = thresholds.judge(assetId, result.score);
        scored = {
          score: result.score,
          threshold: judged.threshold,
          ratio: judged.ratio,
          contributions: result.contributions,
          topChannels: result.topChannels,
        };
        lastScores.set(assetId, {
          score: result.score,
          threshold: judged.threshold,
          ratio: judged.ratio,
          top: result.topChannels,
        });
      }
      const step = stepAssetAlert(
        alertStates.get(assetId),
        {
          assetId,
          ratio: scored?.ratio ?? null,
          windowState: window.state,
          off: !v.shouldScore && v.reason === 'off',
          suppressed: {
            silenced: findSilence(assetId, atMs, silences) !== undefined,
            maintenance: findMaintenance(assetId, atMs, config.maintenance) !== undefined,
          },
          topChannels: scored?.topChannels ?? [],
        },
        atMs,
        config.alerts,
      );
      alertStates.set(assetId, step.state);
      return {
        assetId,
        atMs,
        status: step.state.status,
        ...(scored ? { scored } : {}),
        events: step.events,
      };
    },
    addSilence(silence) {
      silences.push(silence);
    },
    removeSilence(predicate) {
      let removed = 0;
      for (let i = silences.length - 1; i >= 0; i--) {
        if (predicate(silences[i]!)) {
          silences.splice(i, 1);
          removed++;
        }
      }
      return removed;
    },
    silences: () => silences,
    assets() {
      return [...alertStates.values()].map((s) => {
        const last = lastScores.get(s.assetId);
        return {
          assetId: s.assetId,
          status: s.status,
          lastAtMs: s.lastAtMs,
          score: last?.score ?? null,
          threshold: last?.threshold ?? null,
          ratio: last?.ratio ?? null,
          topChannels: last?.top ?? [],
          openAlertId: s.alert?.id ?? null,
        };
      });
    },
    snapshot(assetIds) {
      const ids = assetIds === undefined ? undefined : [...assetIds];
      const alerts = recordOf(alertStates, ids, (state) => state);
      const ewma: Record<string, number> = {};
      const thresholdHistory: Record<string, number[]> = {};
      // A scorer per model; the later one wins where two hold the same asset.
      for (const { scorer, thresholds } of scorers.values()) {
        Object.assign(ewma, scorer.ewmaSnapshot(ids));
        Object.assign(thresholdHistory, thresholds.snapshot(ids));
      }
      return {
        version: 1,
        alerts,
        ewma,
        thresholdHistory,
        ...(anchors !== undefined ? { anchors: anchors.snapshot(ids) } : {}),
      };
    },
    resolveForgotten(assetId) {
      const state = alertStates.get(assetId);
      if (state === undefined) return [];
      const step = resolveForgottenAssetAlert(state, config.alerts);
      alertStates.set(assetId, step.state);
      return step.events;
    },
    dropAssets(assetIds) {
      const ids = [...assetIds];
      for (const id of ids) {
        alertStates.delete(id);
        lastScores.delete(id);
        anchors?.drop(id);
        delete restoredEwma[id];
        delete restoredHistory[id];
      }
      for (const { scorer, thresholds } of scorers.values()) {
        scorer.forget(ids);
        thresholds.forget(ids);
      }
    },
    restoreAssets(assetIds, state) {
      monitor.dropAssets(assetIds);
      for (const id of assetIds) {
        const alert = state.alerts[id];
        if (alert !== undefined) alertStates.set(id, assetAlertStateSchema.parse(alert));
        const ewma = state.ewma[id];
        const history = state.thresholdHistory[id];
        if (ewma !== undefined) restoredEwma[id] = ewma;
        if (history !== undefined) restoredHistory[id] = history;
        const anchor = state.anchors?.[id];
        if (anchor !== undefined) anchors?.restore({ [id]: anchor });
        let parts: ReturnType<typeof partsFor> | undefined;
        try {
          parts = partsFor(id);
        } catch {
          continue; // no model yet: its scorer starts from the restored values when one comes
        }
        if (ewma !== undefined) parts.scorer.restoreEwma({ [id]: ewma });
        if (history !== undefined) parts.thresholds.restore({ [id]: history });
      }
    },
  };
  return monitor;
}
