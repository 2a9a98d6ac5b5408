// SKAB's variant of the NAB changepoint score (not Numenta's): each true change
// point opens a detection window to its right; the first predicted change point
// inside a window earns a tanh-shaped weight from A_TP (window start) down to
// A_FP (window end); predictions outside every window cost A_FP each, windows
// without one cost A_FN. Follows the rules in the dataset's README (waico/tsad).
import { PipelineError } from '../../core/index.js';

/** (A_TP, A_FP, A_FN) of one application profile. */
export interface NabProfile {
  aTp: number;
  aFp: number;
  aFn: number;
}

export const nabProfiles = {
  standard: { aTp: 1, aFp: -0.11, aFn: -1 },
  lowFP: { aTp: 1, aFp: -0.22, aFn: -1 },
  lowFN: { aTp: 1, aFp: -0.11, aFn: -2 },
} as const satisfies Record<string, NabProfile>;

export type NabProfileName = keyof typeof nabProfiles;

/** What one file's predictions did against its windows, independent of the profile. */
export interface NabOutcome {
  windows: number;
  /** Per detected window: where its first prediction fell, (t − start) / (end − start) in [0, 1]. */
  detectionPositions: number[];
  /** Predictions outside every window. */
  falsePositives: number;
  /** Windows without a prediction. */
  missed: number;
}

export interface NabWindow {
  startMs: number;
  endMs: number;
}

export interface NabFileInput {
  /** (N) time of each scored row, ascending. */
  timestampsMs: ArrayLike<number>;
  /** (N) 1 on the rows labelled as change points. */
  changepoint: ArrayLike<number>;
  /** (N) the 0/1 outlier prediction; its flips are the predicted change points. */
  predicted: ArrayLike<number>;
  /** Width of the window to the right of each change point (SKAB: 60 s). */
  windowMs: number;
}

/** The tanh curve is sampled at this many points, as the reference implementation does. */
const CURVE_POINTS = 1000;

/**
 * One window [cp, cp + windowMs] per change point; where a window reaches into
 * the next, the later one starts where the earlier one ends.
 */
export function detectionWindows(changepointsMs: readonly number[], windowMs: number): NabWindow[] {
  const windows = changepointsMs.map((t) => ({ startMs: t, endMs: t + windowMs }));
  for (let i = 0; i + 1 < windows.length; i++) {
    if (windows[i].endMs >= windows[i + 1].startMs) windows[i + 1].startMs = windows[i].endMs;
  }
  return windows;
}

/** Times of the rows where the 0/1 prediction differs from the row before. */
export function predictedChangepoints(
  timestampsMs: ArrayLike<number>,
  predicted: ArrayLike<number>,
): number[] {
  const out: number[] = [];
  for (let i = 1; i < predicted.length; i++) if (predicted[i] !== predicted[i - 1]) out.push(timestampsMs[i]);
  return out;
}

export function nabOutcome(input: NabFileInput): NabOutcome {
  const { timestampsMs, changepoint, predicted, windowMs } = input;
  const n = timestampsMs.length;
  if (changepoint.length !== n || predicted.length !== n) {
    throw new PipelineError(
      'DETECTOR_INPUT_INVALID',
      `NAB input rows differ: timestampsMs ${n}, changepoint ${changepoint.length}, predicted ${predicted.length}`,
      { details: { field: 'predicted', rows: n } },
    );
  }
  if (!(windowMs > 0)) {
    throw new PipelineError('DETECTOR_INPUT_INVALID', `NAB windowMs must be > 0, got ${windowMs}`, {
      details: { field: 'windowMs', windowMs },
    });
  }
  const truth: number[] = [];
  for (let i = 0; i < n; i++) if (changepoint[i] === 1) truth.push(timestampsMs[i]);
  const windows = detectionWindows(truth, windowMs);
  const detections = predictedChangepoints(timestampsMs, predicted);
  const firstInWindow: (number | undefined)[] = new Array(windows.length).fill(undefined);
  let falsePositives = 0;
  for (const t of detections) {
    const w = windows.findIndex((win) => t >= win.startMs && t <= win.endMs);
    if (w < 0) falsePositives++;
    else if (firstInWindow[w] === undefined) firstInWindow[w] = t;
  }
  const detectionPositions: number[] = [];
  let missed = 0;
  windows.forEach((win, w) => {
    const t = firstInWindow[w];
    if (t === undefined) missed++;
    else {
      const width = win.endMs - win.startMs;
      detectionPositions.push(width > 0 ? (t - win.startMs) / width : 0);
    }
  });
  return { windows: windows.length, detectionPositions, falsePositives, missed };
}

/**
 * Weight of a detection at relative position p of its window: the curve
 * A_FP + (A_TP − A_FP)/2 · (1 − tanh(x)/tanh(π/2)), x from −π/2 to π/2,
 * sampled at CURVE_POINTS points and read at ⌊p · CURVE_POINTS⌋.
 */
export function detectionWeight(position: number, profile: NabProfile): number {
  const event = Math.min(Math.max(Math.floor(position * CURVE_POINTS), 0), CURVE_POINTS - 1);
  const x = -Math.PI / 2 + (Math.PI * event) / (CURVE_POINTS - 1);
  const half = (profile.aTp - profile.aFp) / 2;
  return half * (1 - Math.tanh(x) / Math.tanh(Math.PI / 2)) + profile.aFp;
}

export interface NabRawScore {
  score: number;
  /** The score of a detector that never fires: every window missed. */
  nullScore: number;
  /** The score of a detector that fires exactly at every change point. */
  perfectScore: number;
}

export function nabRawScore(outcome: NabOutcome, profile: NabProfile): NabRawScore {
  let score = profile.aFp * outcome.falsePositives + profile.aFn * outcome.missed;
  for (const p of outcome.detectionPositions) score += detectionWeight(p, profile);
  return { score, nullScore: outcome.windows * profile.aFn, perfectScore: outcome.windows * profile.aTp };
}

/** Corpus score per profile: 100 · (S − S_null) / (S_perfect − S_null), sums over all files. */
export function nabScores(outcomes: readonly NabOutcome[]): Record<NabProfileName, number> {
  const result = { standard: 0, lowFP: 0, lowFN: 0 };
  for (const name of Object.keys(nabProfiles) as NabProfileName[]) {
    let s = 0;
    let sNull = 0;
    let sPerfect = 0;
    for (const o of outcomes) {
      const raw = nabRawScore(o, nabProfiles[name]);
      s += raw.score;
      sNull += raw.nullScore;
      sPerfect += raw.perfectScore;
    }
    result[name] = sPerfect > sNull ? (100 * (s - sNull)) / (sPerfect - sNull) : 0;
  }
  return result;
}
