// The evaluation report over labelled files, as SKAB computes it: each file's scored rows against
// its labels (confusion counts, NAB outcome in SKAB's 60 s window), then the counts summed over all
// files (micro average) and the NAB scores over all files.
import {
  type ConfusionCounts,
  countConfusion,
  type OutlierMetrics,
  outlierMetrics,
  sumConfusion,
} from './confusion.js';
import { breakDownErrors, type ErrorBreakdown, sumErrorBreakdowns } from './error-breakdown.js';
import { type NabOutcome, type NabProfileName, nabOutcome, nabScores } from './nab-score.js';

/** SKAB's detection window to the right of each change point. */
export const NAB_WINDOW_MS = 60_000;

export interface FileReport extends ConfusionCounts, OutlierMetrics {
  file: string;
  /** Where the file's missed rows and false alarms lie. */
  errors: ErrorBreakdown;
}

export interface EvaluationReport extends OutlierMetrics {
  nab: Record<NabProfileName, number>;
  /** The files' error breakdowns summed. */
  errors: ErrorBreakdown;
  files: FileReport[];
}

/** One file's figures. */
export interface FileOutcome {
  report: FileReport;
  nab: NabOutcome;
}

/** The scored rows of one file against its labels (both from the first scored row on). */
export function fileOutcome(
  file: string,
  labels: { anomaly: Uint8Array; changepoint: Uint8Array },
  rows: { timestampsMs: Float64Array; predicted: Uint8Array },
): FileOutcome {
  const counts = countConfusion(labels.anomaly, rows.predicted);
  const nab = nabOutcome({
    timestampsMs: rows.timestampsMs,
    changepoint: labels.changepoint,
    predicted: rows.predicted,
    windowMs: NAB_WINDOW_MS,
  });
  const errors = breakDownErrors(labels.anomaly, rows.predicted);
  return { report: { file, ...counts, ...outlierMetrics(counts), errors }, nab };
}

/** The micro-averaged report over the labelled files, in the order given. */
export function evaluationReport(done: readonly FileOutcome[]): EvaluationReport {
  const files = done.map((r) => r.report);
  return {
    ...outlierMetrics(sumConfusion(files)),
    nab: nabScores(done.map((r) => r.nab)),
    errors: sumErrorBreakdowns(files.map((f) => f.errors)),
    files,
  };
}
