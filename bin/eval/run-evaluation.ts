// The evaluation run over a directory of labelled CSV files: each file gets
// its own model (trained on its first rows), files run `concurrency` at a
// time, and the metrics are micro-averaged over all files, as SKAB does
// (detector/evaluation/). Here the rooms meet: the CSV files and the replay
// through the ingest path (ingest/), the model kind and its artifact reader (model/).
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type ModelArtifactBytes, PipelineError } from '../../core/index.js';
import {
  type EvaluationReport,
  evaluateFile,
  evaluationReport,
  type FileOutcome,
  fileOutcome,
} from '../../detector/index.js';
import { listCsvFiles, medianPeriodMs, parseLabeledCsv, replayLabeledSeries } from '../../ingest/index.js';
import { decodeKindArtifact } from '../../model/index.js';
import { fittingFor } from '../model-kinds.js';
import type { EvalSettings } from './load-eval-settings.js';
import { formatPredictionsCsv } from './predictions-csv.js';

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

export interface EvaluationRun {
  report: EvaluationReport;
  /** Files without label columns, left out of every metric. */
  skipped: string[];
}

function checkDataDir(dataDir: string): string[] {
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
  return names;
}

export async function runEvaluation(options: EvaluationOptions): Promise<EvaluationRun> {
  const { dataDir, log, settings } = options;
  const names = checkDataDir(dataDir);
  const { model } = settings;
  const fitting = {
    ...fittingFor({ ...model, training: { ...model.training, seed: options.seed } }),
    decodeArtifact: (bytes: ModelArtifactBytes, channels: readonly string[]) =>
      decodeKindArtifact(bytes, { channels: [...channels] }),
  };
  const skipped: string[] = [];
  const results: (FileOutcome | undefined)[] = new Array(names.length);
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
        replay: (periodMs) =>
          replayLabeledSeries(series, {
            assetId: file,
            periodMs,
            windowSteps: model.windowSteps,
            hopSteps: model.hopSteps,
          }),
        detector: settings.detector,
        holdoutFraction: settings.holdoutFraction,
        fitting,
        trainRows: options.trainRows,
        periodMs: options.periodMs ?? medianPeriodMs(series.timestampsMs),
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
      const outcome = fileOutcome(
        file,
        {
          anomaly: series.anomaly.subarray(options.trainRows),
          changepoint: series.changepoint.subarray(options.trainRows),
        },
        evaluation.rows,
      );
      if (options.predictionsDir !== undefined) {
        const out = join(options.predictionsDir, file);
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, formatPredictionsCsv(evaluation.rows));
      }
      results[index] = outcome;
      const s = evaluation.training;
      const c = outcome.report;
      log(
        `${file}: done in ${((options.nowMs() - startedMs) / 1000).toFixed(1)} s (${s.epochsRun} epochs, best ${s.bestEpoch}; threshold ${evaluation.calibration.value.toPrecision(4)}; TP ${c.tp} FP ${c.fp} TN ${c.tn} FN ${c.fn})\n`,
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
  return {
    report: evaluationReport(done),
    skipped: skipped.sort(new Intl.Collator('en', { numeric: true }).compare),
  };
}
