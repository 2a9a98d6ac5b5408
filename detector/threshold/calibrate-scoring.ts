// Calibration of the whole scoring path on held-out normal windows at fitting
// time: optionally each channel's residual spread (scoring.channelNormalization),
// then the threshold on scores computed exactly as the live scorer will compute
// them. The result is what the model artifact stores and the live detector reads.
import { PipelineError } from '../../core/index.js';
import type { DetectorConfig } from '../config.js';
import { createResidualScorer, type ResidualWindow } from '../residual-scorer.js';
import { type Calibration, calibrateThreshold } from './calibrate-threshold.js';

/**
 * A channel whose held-out residuals are almost 0 (a constant channel reconstructed exactly) would
 * turn any later wobble into a huge score: by default its spread is at least this share of the
 * channels' mean (`scoring.channelSpreadFloor`).
 */
export const defaultChannelSpreadFloor = 0.01;

export interface ScoringCalibration {
  calibration: Calibration;
  /** The EWMA per asset id after the held-out windows (the immediate past of what follows them). */
  ewma: Record<string, number>;
}

/**
 * Each channel's mean squared residual over the scored region of the held-out windows (the region
 * `scoring.aggregate` selects, before any spread is applied), floored at
 * `scoring.channelSpreadFloor` of the mean over channels.
 */
export function measureChannelSpread(
  windows: readonly ResidualWindow[],
  scoring: DetectorConfig['scoring'],
): number[] {
  if (windows.length === 0)
    throw new PipelineError(
      'DETECTOR_INPUT_INVALID',
      'cannot measure channel spreads on zero held-out windows; hold out more windows',
      { details: { field: 'windows' } },
    );
  const C = windows[0]!.C;
  // Raw squared errors per channel: no spread, no smoothing, mean over channels.
  const scorer = createResidualScorer({
    scoring: { aggregate: scoring.aggregate, hopSteps: scoring.hopSteps },
    topChannels: 1,
  });
  const sum = new Float64Array(C);
  for (const window of windows) {
    const { channelSquaredError } = scorer.score(window);
    if (channelSquaredError.length !== C) {
      throw new PipelineError(
        'DETECTOR_INPUT_INVALID',
        `held-out windows differ in channel count (${C} and ${channelSquaredError.length}) for asset "${window.assetId}"`,
        { details: { field: 'C', assetId: window.assetId } },
      );
    }
    for (let c = 0; c < C; c++) sum[c] += channelSquaredError[c];
  }
  const spread = Array.from(sum, (s) => s / windows.length);
  const mean = spread.reduce((a, b) => a + b, 0) / C;
  // All-zero residuals leave no scale to normalize by: every channel keeps weight 1.
  const floor = mean > 0 ? (scoring.channelSpreadFloor ?? defaultChannelSpreadFloor) * mean : 1;
  return spread.map((s) => Math.max(s, floor));
}

/**
 * Scores the held-out windows in order with the configured scoring (EWMA per asset id, channel
 * spreads when `scoring.channelNormalization` is `calibrated`) and calibrates the threshold on
 * those scores. No label is read: the windows are taken to be normal.
 */
export function calibrateScoring(
  windows: readonly ResidualWindow[],
  config: Pick<DetectorConfig, 'scoring' | 'threshold' | 'topChannels'>,
): ScoringCalibration {
  const { scoring } = config;
  const channelSpread =
    scoring.channelNormalization === 'calibrated' ? measureChannelSpread(windows, scoring) : undefined;
  const scorer = createResidualScorer({
    scoring,
    topChannels: config.topChannels,
    ...(channelSpread !== undefined ? { channelSpread } : {}),
  });
  const scores = new Float64Array(windows.length);
  windows.forEach((window, w) => {
    scores[w] = scorer.score(window).score;
  });
  const threshold = calibrateThreshold(scores, config.threshold);
  const calibration: Calibration = channelSpread !== undefined ? { ...threshold, channelSpread } : threshold;
  return { calibration, ewma: scorer.ewmaSnapshot() };
}
