// Where a detector's row errors lie, so that a method change can aim at the
// right cause. Missed rows of each labelled anomaly stretch split into those
// before its first flagged row (the detector was late), unflagged rows between
// flagged ones (the alert closed and opened again), those after its last
// flagged row (the alert cleared while the anomaly went on, e.g. a learned
// level), and the rows of stretches never flagged. False alarms split into
// those in the stretch of normal rows that follows an anomaly (an alert held
// open, or a level that settled elsewhere) and those anywhere else.

/** Row counts; every field sums over files. */
export interface ErrorBreakdown {
  /** Labelled anomaly stretches (maximal runs of anomaly rows). */
  anomalies: number;
  /** Stretches with no flagged row. */
  anomaliesMissed: number;
  /** Missed rows of flagged stretches before their first flagged row. */
  missedAtOnset: number;
  /** Missed rows of flagged stretches between two flagged rows. */
  missedInGaps: number;
  /** Missed rows of flagged stretches after their last flagged row. */
  missedAfterClear: number;
  /** Rows of stretches with no flagged row. */
  missedInMissedAnomalies: number;
  /** False alarms in the normal rows between an anomaly's end and the next anomaly (or the end). */
  falseAfterAnomaly: number;
  /** False alarms in normal rows no anomaly precedes. */
  falseElsewhere: number;
}

export function emptyErrorBreakdown(): ErrorBreakdown {
  return {
    anomalies: 0,
    anomaliesMissed: 0,
    missedAtOnset: 0,
    missedInGaps: 0,
    missedAfterClear: 0,
    missedInMissedAnomalies: 0,
    falseAfterAnomaly: 0,
    falseElsewhere: 0,
  };
}

function addAnomalyStretch(b: ErrorBreakdown, predicted: ArrayLike<number>, from: number, to: number): void {
  b.anomalies++;
  let first = -1;
  let last = -1;
  for (let i = from; i < to; i++) {
    if (predicted[i] !== 1) continue;
    if (first < 0) first = i;
    last = i;
  }
  if (first < 0) {
    b.anomaliesMissed++;
    b.missedInMissedAnomalies += to - from;
    return;
  }
  b.missedAtOnset += first - from;
  b.missedAfterClear += to - 1 - last;
  for (let i = first; i < last; i++) if (predicted[i] !== 1) b.missedInGaps++;
}

/** One file's breakdown; `truth` and `predicted` hold 0/1 per scored row, in time order. */
export function breakDownErrors(truth: ArrayLike<number>, predicted: ArrayLike<number>): ErrorBreakdown {
  const b = emptyErrorBreakdown();
  let hasAnomalyBefore = false;
  for (let i = 0; i < truth.length; ) {
    let end = i;
    while (end < truth.length && truth[end] === truth[i]) end++;
    if (truth[i] === 1) {
      addAnomalyStretch(b, predicted, i, end);
      hasAnomalyBefore = true;
    } else {
      let flagged = 0;
      for (let k = i; k < end; k++) if (predicted[k] === 1) flagged++;
      if (hasAnomalyBefore) b.falseAfterAnomaly += flagged;
      else b.falseElsewhere += flagged;
    }
    i = end;
  }
  return b;
}

export function sumErrorBreakdowns(all: readonly ErrorBreakdown[]): ErrorBreakdown {
  const total = emptyErrorBreakdown();
  for (const b of all) {
    for (const key of Object.keys(total) as (keyof ErrorBreakdown)[]) total[key] += b[key];
  }
  return total;
}
