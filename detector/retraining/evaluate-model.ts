// How well a model does on held-out normal windows and on operator-marked
// incidents, scored exactly as live detection scores: the same residual
// scorer (EWMA, aggregates) and the model's own calibrated threshold. Errors
// are brought into one reference scale so models with different normalizers compare.
import { PipelineError, type WindowReconstructor } from '../../core/index.js';
import type { DetectorConfig } from '../config.js';
import { createResidualScorer } from '../residual-scorer.js';
import type { Calibration } from '../threshold/calibrate-threshold.js';
import { scoreRatio } from '../threshold/resolve-threshold.js';

export interface ModelUnderTest {
  /** One window in sensor units in, residuals in the model's normalized units out (the first T·C are read). */
  reconstructor: WindowReconstructor;
  calibration: Calibration;
  /** The normalizer the scorer applies; `scale[c]` turns normalized residuals back into sensor units. */
  normalizer: { readonly scale: readonly number[] };
}

/** Consecutive windows of one asset, oldest first. */
export interface WindowSequence {
  assetId: string;
  windows: readonly Float32Array[]; // each (T, C), sensor units
}

export interface ModelEvaluation {
  windows: number;
  /** Share of holdout windows whose score reaches the model's own threshold. */
  falseAlarmRate: number;
  /** Mean squared residual over all cells of the holdout windows, in units of `referenceScale`. */
  meanError: number;
  incidentWindows: number;
  /** Share of incident windows whose score reaches the threshold; null without incident windows. */
  incidentRecall: number | null;
  threshold: number;
}

export interface EvaluateOptions {
  detector: DetectorConfig;
  /** Per channel, the sensor-unit scale errors are expressed in (the same for every model compared). */
  referenceScale: readonly number[];
  T: number;
  channels: readonly string[];
}

function invalid(message: string, details: Record<string, unknown>): PipelineError {
  return new PipelineError('DETECTOR_INPUT_INVALID', message, { details });
}

function checkShapes(
  model: ModelUnderTest,
  data: { holdout: readonly WindowSequence[]; incidents: readonly WindowSequence[] },
  options: EvaluateOptions,
): void {
  const { T, channels, referenceScale } = options;
  const C = channels.length;
  if (!Number.isInteger(T) || T < 1 || C < 1)
    throw invalid(`evaluation needs T >= 1 and at least one channel, got T=${T}, C=${C}`, { T, C });
  if (referenceScale.length !== C)
    throw invalid(`referenceScale has ${referenceScale.length} entries but there are ${C} channels`, {
      field: 'referenceScale',
      length: referenceScale.length,
      C,
    });
  referenceScale.forEach((scale, c) => {
    if (!(scale > 0) || !Number.isFinite(scale))
      throw invalid(
        `referenceScale[${c}] (channel "${channels[c]}") must be a positive finite number, got ${scale}`,
        {
          field: `referenceScale[${c}]`,
          value: scale,
        },
      );
  });
  if (model.normalizer.scale.length !== C)
    throw invalid(`the model's normalizer has ${model.normalizer.scale.length} channels but there are ${C}`, {
      field: 'normalizer.scale',
      length: model.normalizer.scale.length,
      C,
    });
  for (const [part, sequences] of [
    ['holdout', data.holdout],
    ['incidents', data.incidents],
  ] as const) {
    sequences.forEach((sequence, s) => {
      sequence.windows.forEach((window, w) => {
        if (window.length !== T * C)
          throw invalid(
            `${part}[${s}] (asset "${sequence.assetId}") window ${w} has ${window.length} values, expected T·C = ${T}·${C}`,
            { field: `${part}[${s}].windows[${w}]`, length: window.length, T, C },
          );
      });
    });
  }
}

/**
 * Scores every window of `data` with the model. Each sequence gets its own
 * smoothing state, as one asset has live. A window is counted as flagged when
 * its ratio to the threshold is at least 1, as the alert lifecycle counts it.
 * A non-finite residual, score or threshold makes the affected figures NaN
 * (which the promotion decision refuses); only malformed shapes throw.
 */
export function evaluateModel(
  model: ModelUnderTest,
  data: { holdout: readonly WindowSequence[]; incidents: readonly WindowSequence[] },
  options: EvaluateOptions,
): ModelEvaluation {
  checkShapes(model, data, options);
  const { detector, referenceScale, T, channels } = options;
  const C = channels.length;
  const TC = T * C;
  // Live detection judges against an override when one matches; the comparison
  // is about the model, so its own calibrated value is used (for `dynamic`, the
  // calibrated floor rather than the live window).
  const threshold = model.calibration.value > 0 ? model.calibration.value : Number.NaN;
  const residualScorer = createResidualScorer({
    scoring: detector.scoring,
    topChannels: detector.topChannels,
    // Scores in the units the model's threshold was calibrated in, as the live monitor does.
    ...(model.calibration.channelSpread !== undefined
      ? { channelSpread: model.calibration.channelSpread }
      : {}),
  });
  // Normalized residual → sensor units → reference units, in one factor per channel.
  const toReference = new Float64Array(C);
  for (let c = 0; c < C; c++) toReference[c] = model.normalizer.scale[c]! / referenceScale[c]!;

  let squaredErrorSum = 0;
  let cells = 0;
  const countFlagged = (sequences: readonly WindowSequence[], part: string, addErrors: boolean) => {
    let flagged = 0;
    let windows = 0;
    sequences.forEach((sequence, s) => {
      const scorerAssetId = `${part}:${s}:${sequence.assetId}`;
      for (const window of sequence.windows) {
        windows += 1;
        const residuals = model.reconstructor.reconstruct(window).residuals.subarray(0, TC);
        if (addErrors) {
          for (let i = 0; i < TC; i++) {
            const r = residuals[i]! * toReference[i % C]!;
            squaredErrorSum += r * r;
          }
          cells += TC;
        }
        let score: number;
        try {
          score = residualScorer.score({ assetId: scorerAssetId, residuals, T, C, channels }).score;
        } catch {
          // The residual scorer rejects non-finite residuals; a model that
          // produces them has diverged, which the figures must show.
          score = Number.NaN;
        }
        const ratio = scoreRatio(score, threshold);
        if (ratio === null) flagged = Number.NaN;
        else if (ratio >= 1) flagged += 1;
      }
    });
    return { windows, flagged };
  };

  const holdout = countFlagged(data.holdout, 'holdout', true);
  const incidents = countFlagged(data.incidents, 'incident', false);
  return {
    windows: holdout.windows,
    falseAlarmRate: holdout.windows > 0 ? holdout.flagged / holdout.windows : Number.NaN,
    meanError: cells > 0 ? squaredErrorSum / cells : Number.NaN,
    incidentWindows: incidents.windows,
    incidentRecall: incidents.windows > 0 ? incidents.flagged / incidents.windows : null,
    threshold,
  };
}
