// Residuals of one window → per-step and per-channel squared error, one score,
// and each channel's share of that score, so an alert can say which sensor
// deviates. Scratch buffers are sized once per (T, C) and reused across calls.
// With channel spreads (from the calibration) each channel's squared residual is
// divided by its normal level first, so quiet and noisy channels weigh alike.
import { PipelineError, recordOf } from '../core/index.js';
import type { ScoringConfig } from './config.js';

/** One channel's share of the error behind a score. */
export interface ChannelShare {
  channel: string;
  /** Fraction of the squared error in the scored region, in [0, 1]. */
  share: number;
}

/** The residuals of one window, as the model produces them. */
export interface ResidualWindow {
  assetId: string;
  /** Reconstruction minus input in normalized units, row-major time-major. */
  residuals: Float32Array; // (T, C)
  T: number;
  C: number;
  /** Channel names in column order, length C. */
  channels: readonly string[];
}

export interface WindowScore {
  assetId: string;
  /** The score by the configured aggregate, EWMA-smoothed when configured. */
  score: number;
  /** The score before smoothing (equals `score` without smoothing). */
  rawScore: number;
  /** Per-channel share of the squared error in the scored region; sums to 1. */
  contributions: Float64Array; // (C)
  /** The `topChannels` largest shares, largest first (ties: column order). */
  topChannels: ChannelShare[];
  /** Mean squared error per step over all channels (spread-normalized when spreads are set). Reused: overwritten by the next call. */
  stepSquaredError: Float64Array; // (T)
  /** Mean squared error per channel over the scored region (spread-normalized when spreads are set). Reused: overwritten by the next call. */
  channelSquaredError: Float64Array; // (C)
}

/** The scoring settings the scorer reads; the channel-spread settings only matter when a model is fitted. */
export type ResidualScoring = Omit<ScoringConfig, 'channelNormalization' | 'channelSpreadFloor'>;

export interface ResidualScorerOptions {
  scoring: ResidualScoring;
  topChannels: number;
  /**
   * Each channel's mean squared residual on held-out normal windows (the calibration's
   * `channelSpread`): squared residuals are divided by it before channels are combined. Absent,
   * raw squared residuals are combined.
   */
  channelSpread?: readonly number[]; // (C)
  /** EWMA value per asset to resume from (see `ewmaSnapshot`). */
  ewma?: Record<string, number>;
}

export interface ResidualScorer {
  score(window: ResidualWindow): WindowScore;
  /**
   * The current EWMA value per asset, JSON-serialisable, for persistence: of `assetIds` only when
   * given (a delivery's commit touches a few assets; copying every asset's value would not scale).
   */
  ewmaSnapshot(assetIds?: Iterable<string>): Record<string, number>;
  /** Drops the EWMA of assets no longer tracked. */
  forget(assetIds: Iterable<string>): void;
  /** Takes these assets' EWMA values (from another instance's snapshot), replacing what is held. */
  restoreEwma(values: Record<string, number>): void;
}

function invalid(message: string, details: Record<string, unknown>): PipelineError {
  return new PipelineError('DETECTOR_INPUT_INVALID', message, { details });
}

/** Exponentially weighted moving average step; `previous` undefined starts the average at `score`. */
export function updateEwma(previous: number | undefined, score: number, alpha: number): number {
  return previous === undefined ? score : alpha * score + (1 - alpha) * previous;
}

export function createResidualScorer(options: ResidualScorerOptions): ResidualScorer {
  const { aggregate, hopSteps, ewmaAlpha } = options.scoring;
  const isMaxOverChannels = options.scoring.channelAggregate === 'max';
  const isTopTwoOverChannels = options.scoring.channelAggregate === 'top2_mean';
  const topN = options.topChannels;
  const spread = options.channelSpread;
  if (spread !== undefined) {
    const bad = spread.findIndex((v) => !(v > 0) || !Number.isFinite(v));
    if (bad >= 0) {
      throw invalid(
        `channelSpread must hold one positive finite number per channel; entry ${bad} is ${spread[bad]}`,
        { field: 'channelSpread', index: bad },
      );
    }
  }
  // 1 / spread per channel, so the per-element work is one multiplication.
  const weight = spread === undefined ? undefined : Float64Array.from(spread, (v) => 1 / v);
  const ewma = new Map<string, number>(Object.entries(options.ewma ?? {}));
  let stepSe = new Float64Array(0);
  let channelSe = new Float64Array(0);
  let order: number[] = [];
  // Comparator over the call's contributions, built once instead of per call.
  let shares = new Float64Array(0);
  const byShare = (a: number, b: number): number => shares[b] - shares[a] || a - b;

  function ensureBuffers(T: number, C: number): void {
    if (stepSe.length !== T) stepSe = new Float64Array(T);
    if (channelSe.length !== C) {
      channelSe = new Float64Array(C);
      order = Array.from({ length: C }, (_, c) => c);
    }
  }

  function validate(window: ResidualWindow): void {
    const { assetId, residuals, T, C, channels } = window;
    if (!Number.isInteger(T) || T < 1 || !Number.isInteger(C) || C < 1) {
      throw invalid(`residual window of asset "${assetId}" has invalid dims T=${T}, C=${C}`, {
        assetId,
        T,
        C,
      });
    }
    if (residuals.length !== T * C) {
      throw invalid(
        `residuals of asset "${assetId}" have length ${residuals.length}, expected T·C = ${T}·${C} = ${T * C}`,
        { assetId, length: residuals.length, T, C },
      );
    }
    if (channels.length !== C) {
      throw invalid(`channels of asset "${assetId}" list ${channels.length} names, expected C = ${C}`, {
        assetId,
        channels: channels.length,
        C,
      });
    }
    if (weight !== undefined && weight.length !== C) {
      throw invalid(
        `channelSpread holds ${weight.length} values but the window of asset "${assetId}" has C = ${C} channels; the calibration belongs to another model`,
        { field: 'channelSpread', assetId, length: weight.length, C },
      );
    }
    if (aggregate === 'mse_last_hop' && hopSteps > T) {
      throw invalid(
        `scoring.hopSteps (${hopSteps}) exceeds the window length T = ${T} of asset "${assetId}"; lower hopSteps`,
        { assetId, hopSteps, T },
      );
    }
  }

  function findNonFinite(window: ResidualWindow): PipelineError {
    const { residuals, C, channels, assetId } = window;
    let i = 0;
    while (i < residuals.length && Number.isFinite(residuals[i])) i += 1;
    const t = Math.floor(i / C);
    const c = i % C;
    return invalid(`residual of asset "${assetId}" at step ${t}, channel "${channels[c]}" is not finite`, {
      assetId,
      step: t,
      channel: channels[c],
    });
  }

  function score(window: ResidualWindow): WindowScore {
    validate(window);
    const { residuals, T, C, channels, assetId } = window;
    ensureBuffers(T, C);

    // Per-step mean squared error over channels, and the scored region's rows.
    let maxStep = 0;
    for (let t = 0; t < T; t++) {
      let sum = 0;
      const row = t * C;
      if (weight === undefined) for (let c = 0; c < C; c++) sum += residuals[row + c] * residuals[row + c];
      else for (let c = 0; c < C; c++) sum += residuals[row + c] * residuals[row + c] * weight[c];
      stepSe[t] = sum / C;
      if (stepSe[t] > stepSe[maxStep]) maxStep = t;
    }
    let fromStep = 0;
    let toStep = T;
    if (aggregate === 'mse_last_hop') fromStep = T - hopSteps;
    else if (aggregate === 'max_step_mse') {
      fromStep = maxStep;
      toStep = maxStep + 1;
    }
    const steps = toStep - fromStep;

    // Per-channel mean squared error over the region; the score is their mean,
    // which equals the mean of the region's step errors for all three aggregates,
    // or their largest with the `max` channel aggregate.
    channelSe.fill(0);
    for (let t = fromStep; t < toStep; t++) {
      const row = t * C;
      for (let c = 0; c < C; c++) channelSe[c] += residuals[row + c] * residuals[row + c];
    }
    let total = 0;
    let largest = 0;
    let second = 0;
    for (let c = 0; c < C; c++) {
      channelSe[c] /= steps;
      if (weight !== undefined) channelSe[c] *= weight[c];
      total += channelSe[c];
      if (channelSe[c] > largest) {
        second = largest;
        largest = channelSe[c];
      } else if (channelSe[c] > second) second = channelSe[c];
    }
    let rawScore = total / C;
    if (isMaxOverChannels) rawScore = largest;
    // With one channel there is no second largest: the mean of the "two largest" is that channel.
    else if (isTopTwoOverChannels) rawScore = C === 1 ? largest : (largest + second) / 2;
    // The sum bounds every aggregate: finite exactly when every channel's error is.
    if (!Number.isFinite(total)) throw findNonFinite(window);

    // Shares of the region's error; a perfect reconstruction splits evenly so
    // the shares still sum to 1 and no channel is singled out.
    const contributions = new Float64Array(C);
    for (let c = 0; c < C; c++) contributions[c] = total > 0 ? channelSe[c] / total : 1 / C;

    for (let c = 0; c < C; c++) order[c] = c;
    shares = contributions;
    order.sort(byShare);
    const n = Math.min(topN, C);
    const topChannels: ChannelShare[] = new Array(n);
    for (let k = 0; k < n; k++)
      topChannels[k] = { channel: channels[order[k]], share: contributions[order[k]] };

    let smoothed = rawScore;
    if (ewmaAlpha !== undefined) {
      smoothed = updateEwma(ewma.get(assetId), rawScore, ewmaAlpha);
      ewma.set(assetId, smoothed);
    }

    return {
      assetId,
      score: smoothed,
      rawScore,
      contributions,
      topChannels,
      stepSquaredError: stepSe,
      channelSquaredError: channelSe,
    };
  }

  return {
    score,
    ewmaSnapshot: (assetIds) => recordOf(ewma, assetIds, (value) => value),
    restoreEwma(values) {
      for (const [id, value] of Object.entries(values)) ewma.set(id, value);
    },
    forget(assetIds) {
      for (const id of assetIds) ewma.delete(id);
    },
  };
}
