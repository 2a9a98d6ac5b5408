// The evaluation run over a directory of labelled CSV files: each file gets its own model (trained
// on its first rows), files run `concurrency` at a time, and the metrics are micro-averaged over all
// files, as SKAB does. The files' reader and ingest path and the model kind come in as ports.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PipelineError } from '../../core/index.js';
import type { DetectorConfig } from '../config.js';
import { evaluateFile, type FileFitting, type ReplayedRows } from './evaluate-file.js';
import {
  type EvaluationReport,
  evaluationReport,
  type FileOutcome,
  fileOutcome,
} from './evaluation-report.js';
import { formatPredictionsCsv } from './predictions-csv.js';

/** One labelled file's rows, as the ingest room reads them. */
export interface LabeledRows {
  channels: string[];
  /** (N) row times, ms since the epoch. */
  timestampsMs: Float64Array;
  /** (N, C) row-major channel values. */
  values: Float64Array;
  /** (N) 0/1 labels, or null when the file has no label columns. */
  anomaly: Uint8Array | null;
  changepoint: Uint8Array | null;
}

/** The labelled CSV files and the live ingest path they are replayed through (the ingest room's). */
export interface LabeledFiles {
  /** Every `.csv` below `dir`, as `/`-separated relative paths in natural order. */
  listCsvFiles(dir: string): string[];
  /** One file's rows; throws, naming the file and line, on a malformed value. */
  parseLabeledCsv(text: string, file: string): LabeledRows;
  /** The rows as the live ingest path receives them: aligned frames and windows on the period grid. */
  replay(
    rows: LabeledRows,
    options: { assetId: string; periodMs: number; windowSteps: number; hopSteps: number },
  ): ReplayedRows;
  /** Median spacing of the timestamps (NaN when there is none): the grid period by default. */
  medianPeriodMs(timestampsMs: Float64Array): number;
  /** A time as SKAB writes it (UTC), for the predictions files. */
  formatUtcDatetime(ms: number): string;
}

export interface EvaluationDeps {
  labeledFiles: LabeledFiles;
  /** The model kind every file's model is fitted with, and its artifact reader. */
  fitting: FileFitting;
}

export interface EvaluationOptions {
  dataDir: string;
  trainRows: number;
  periodMs?: number;
  settings: { detector: DetectorConfig; holdoutFraction: number };
  /** Train each file's model in a worker thread (the CLI; needs the compiled build); false trains on this thread. */
  isInWorker: boolean;
  /** Files evaluated at the same time. */
  concurrency: number;
  /** Where to write one predictions CSV per input file (same relative path). */
  predictionsDir?: string;
  /** Progress lines (stderr in the CLI). */
  log: (line: string) => void;
  /** Monotonic milliseconds, for the per-file time in the progress lines. */
  nowMs: () => number;
}

export interface EvaluationRun {
  report: EvaluationReport;
  /** Files without label columns, left out of every metric. */
  skipped: string[];
}

/** `message` follows the flag and its value, `--data DIR`. */
function usageError(dataDir: string, message: string): PipelineError {
  return new PipelineError('CLI_USAGE', `--data ${dataDir}${message}`, {
    details: { field: 'data', dataDir },
  });
}

function checkDataDir(dataDir: string, labeledFiles: LabeledFiles): string[] {
  let isDir = false;
  try {
    isDir = statSync(dataDir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw usageError(dataDir, ' is not a readable directory');
  const names = labeledFiles.listCsvFiles(dataDir);
  if (names.length === 0) throw usageError(dataDir, ' holds no .csv files');
  return names;
}

/** One labelled file through the live path, judged against its labels; its predictions written when asked. */
async function evaluateLabeledFile(
  file: string,
  series: LabeledRows & { anomaly: Uint8Array; changepoint: Uint8Array },
  options: EvaluationOptions,
  deps: EvaluationDeps,
): Promise<FileOutcome> {
  const { log, settings, trainRows } = options;
  const { fitting, labeledFiles } = deps;
  const startedMs = options.nowMs();
  let lastEpochLine = 0;
  const evaluation = await evaluateFile({
    file,
    series,
    replay: (periodMs) =>
      labeledFiles.replay(series, {
        assetId: file,
        periodMs,
        windowSteps: fitting.window.lengthSteps,
        hopSteps: fitting.window.hopSteps,
      }),
    detector: settings.detector,
    holdoutFraction: settings.holdoutFraction,
    fitting,
    trainRows,
    periodMs: options.periodMs ?? labeledFiles.medianPeriodMs(series.timestampsMs),
    isInWorker: options.isInWorker,
    onTrainProgress(p) {
      // One line every few epochs keeps two files' progress readable.
      if (p.epoch - lastEpochLine >= 5 || p.epoch === p.epochs) {
        lastEpochLine = p.epoch;
        log(
          `${file}: epoch ${p.epoch}/${p.epochs} train ${p.trainLoss.toFixed(4)} val ${p.validationLoss?.toFixed(4) ?? '-'}\n`,
        );
      }
    },
  });
  const labels = {
    anomaly: series.anomaly.subarray(trainRows),
    changepoint: series.changepoint.subarray(trainRows),
  };
  const outcome = fileOutcome(file, labels, evaluation.rows);
  if (options.predictionsDir !== undefined) {
    const out = join(options.predictionsDir, file);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, formatPredictionsCsv(evaluation.rows, labeledFiles.formatUtcDatetime));
  }
  const s = evaluation.training;
  const c = outcome.report;
  log(
    `${file}: done in ${((options.nowMs() - startedMs) / 1000).toFixed(1)} s (${s.epochsRun} epochs, best ${s.bestEpoch}; threshold ${evaluation.calibration.value.toPrecision(4)}; TP ${c.tp} FP ${c.fp} TN ${c.tn} FN ${c.fn})\n`,
  );
  return outcome;
}

export async function runEvaluation(
  options: EvaluationOptions,
  deps: EvaluationDeps,
): Promise<EvaluationRun> {
  const { dataDir, log } = options;
  const names = checkDataDir(dataDir, deps.labeledFiles);
  const skipped: string[] = [];
  const results: (FileOutcome | undefined)[] = new Array(names.length);
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const index = next++;
      const file = names[index];
      const series = deps.labeledFiles.parseLabeledCsv(readFileSync(join(dataDir, file), 'utf8'), file);
      const { anomaly, changepoint } = series;
      if (anomaly === null || changepoint === null) {
        skipped.push(file);
        log(`${file}: skipped, no "anomaly" and "changepoint" columns\n`);
        continue;
      }
      results[index] = await evaluateLabeledFile(file, { ...series, anomaly, changepoint }, options, deps);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  const done = results.filter((r) => r !== undefined);
  if (done.length === 0) throw usageError(dataDir, ': no file has "anomaly" and "changepoint" columns');
  return {
    report: evaluationReport(done),
    skipped: skipped.sort(new Intl.Collator('en', { numeric: true }).compare),
  };
}
