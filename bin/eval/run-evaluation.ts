// The evaluation run over a directory of labelled CSV files: each file gets
// its own model (trained on its first rows), files run `concurrency` at a
// time, and the metrics are micro-averaged over all files, as SKAB does.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { PipelineError } from '../../core/index.js';
import {
  type ConfusionCounts,
  countConfusion,
  type NabOutcome,
  type NabProfileName,
  nabOutcome,
  nabScores,
  type OutlierMetrics,
  outlierMetrics,
  sumConfusion,
} from '../../detector/index.js';
import type { EvalSettings } from './eval-preset.js';
import { evaluateFile } from './evaluate-file.js';
import { parseLabeledCsv } from './labeled-csv.js';
import { formatPredictionsCsv } from './predictions-csv.js';

/** SKAB's detection window to the right of each change point. */
export const NAB_WINDOW_MS = 60_000;

export interface EvaluationOptions {
  dataDir: string;
  trainRows: number;
  periodMs?: number;
  seed: number;
  settings: EvalSettings;
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

export interface FileReport extends ConfusionCounts, OutlierMetrics {
  file: string;
}

export interface EvaluationReport extends OutlierMetrics {
  nab: Record<NabProfileName, number>;
  files: FileReport[];
}

export interface EvaluationRun {
  report: EvaluationReport;
  /** Files without label columns, left out of every metric. */
  skipped: string[];
}

/** Every `.csv` below `dir`, as `/`-separated relative paths in natural order (2.csv before 10.csv). */
export function listCsvFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      // Symbolic links are followed, so a data directory may be assembled from links.
      const kind = e.isSymbolicLink() ? statSync(p) : e;
      if (kind.isDirectory()) walk(p);
      else if (kind.isFile() && e.name.toLowerCase().endsWith('.csv'))
        out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  const collator = new Intl.Collator('en', { numeric: true });
  return out.sort(collator.compare);
}

export async function runEvaluation(options: EvaluationOptions): Promise<EvaluationRun> {
  const { dataDir, log } = options;
  let isDir = false;
  try {
    isDir = statSync(dataDir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) {
    throw new PipelineError('CLI_USAGE', `--data ${dataDir} is not a readable directory`, {
      details: { field: 'data', dataDir },
    });
  }
  const names = listCsvFiles(dataDir);
  if (names.length === 0) {
    throw new PipelineError('CLI_USAGE', `--data ${dataDir} holds no .csv files`, {
      details: { field: 'data', dataDir },
    });
  }
  const skipped: string[] = [];
  const results: ({ report: FileReport; nab: NabOutcome } | undefined)[] = new Array(names.length);
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const index = next++;
      const file = names[index];
      const series = parseLabeledCsv(readFileSync(join(dataDir, file), 'utf8'), file);
      if (series.anomaly === null || series.changepoint === null) {
        skipped.push(file);
        log(`${file}: skipped, no "anomaly" and "changepoint" columns\n`);
        continue;
      }
      const startedMs = options.nowMs();
      let lastEpochLine = 0;
      const evaluation = await evaluateFile({
        file,
        series,
        settings: options.settings,
        trainRows: options.trainRows,
        ...(options.periodMs !== undefined ? { periodMs: options.periodMs } : {}),
        seed: options.seed,
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
      const truth = series.anomaly.subarray(options.trainRows);
      const counts = countConfusion(truth, evaluation.rows.predicted);
      const nab = nabOutcome({
        timestampsMs: evaluation.rows.timestampsMs,
        changepoint: series.changepoint.subarray(options.trainRows),
        predicted: evaluation.rows.predicted,
        windowMs: NAB_WINDOW_MS,
      });
      if (options.predictionsDir !== undefined) {
        const out = join(options.predictionsDir, file);
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, formatPredictionsCsv(evaluation.rows));
      }
      results[index] = { report: { file, ...counts, ...outlierMetrics(counts) }, nab };
      const s = evaluation.training;
      log(
        `${file}: done in ${((options.nowMs() - startedMs) / 1000).toFixed(1)} s (${s.epochsRun} epochs, best ${s.bestEpoch}; threshold ${evaluation.calibration.value.toPrecision(4)}; TP ${counts.tp} FP ${counts.fp} TN ${counts.tn} FN ${counts.fn})\n`,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  const done = results.filter((r) => r !== undefined);
  if (done.length === 0) {
    throw new PipelineError(
      'CLI_USAGE',
      `--data ${dataDir}: no file has "anomaly" and "changepoint" columns`,
      {
        details: { field: 'data', dataDir },
      },
    );
  }
  const files = done.map((r) => r.report);
  return {
    report: { ...outlierMetrics(sumConfusion(files)), nab: nabScores(done.map((r) => r.nab)), files },
    skipped: skipped.sort(new Intl.Collator('en', { numeric: true }).compare),
  };
}
