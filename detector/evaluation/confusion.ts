// Row-level outlier-detection metrics as the SKAB leaderboard computes them:
// confusion counts per file, summed over all files (micro average) before
// F1 = TP / (TP + (FP + FN)/2), FAR = FP / (FP + TN) and MAR = FN / (FN + TP).
import { PipelineError } from '../../core/index.js';

export interface ConfusionCounts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** F1 in [0, 1]; FAR and MAR in percent, as the leaderboard gives them. */
export interface OutlierMetrics {
  f1: number;
  far: number;
  mar: number;
}

/** Counts one file's rows; `truth` and `predicted` hold 0/1 per scored row. */
export function countConfusion(truth: ArrayLike<number>, predicted: ArrayLike<number>): ConfusionCounts {
  if (truth.length !== predicted.length) {
    throw new PipelineError(
      'DETECTOR_INPUT_INVALID',
      `truth has ${truth.length} rows but predicted has ${predicted.length}; both must cover the same scored rows`,
      { details: { field: 'predicted', truth: truth.length, predicted: predicted.length } },
    );
  }
  const counts: ConfusionCounts = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < truth.length; i++) {
    const isAnomaly = truth[i] === 1;
    const isFlagged = predicted[i] === 1;
    if (isAnomaly) isFlagged ? counts.tp++ : counts.fn++;
    else isFlagged ? counts.fp++ : counts.tn++;
  }
  return counts;
}

export function sumConfusion(all: readonly ConfusionCounts[]): ConfusionCounts {
  const total: ConfusionCounts = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (const c of all) {
    total.tp += c.tp;
    total.fp += c.fp;
    total.tn += c.tn;
    total.fn += c.fn;
  }
  return total;
}

/** A rate with an empty denominator is 0 (nothing could be missed or falsely flagged). */
export function outlierMetrics(c: ConfusionCounts): OutlierMetrics {
  const f1Denominator = c.tp + (c.fp + c.fn) / 2;
  return {
    f1: f1Denominator > 0 ? c.tp / f1Denominator : 0,
    far: c.fp + c.tn > 0 ? (100 * c.fp) / (c.fp + c.tn) : 0,
    mar: c.fn + c.tp > 0 ? (100 * c.fn) / (c.fn + c.tp) : 0,
  };
}
