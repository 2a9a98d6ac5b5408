// `gruwatch eval`: scores the whole detection path on labelled CSV files in the
// SKAB layout, with one model per file trained on its first rows (detector/evaluation/).
import type { Command } from 'commander';
import { formatReportTable, runEvaluation } from '../detector/index.js';
import type { CliIo } from './cli.js';
import { numberFlag } from './cli-flags.js';
import { evaluationDepsFor } from './eval/evaluation-deps.js';
import { loadEvalSettings } from './eval/load-eval-settings.js';

/** Counts: whole numbers of at least 1. */
const countRule = { integer: true, min: 1 } as const;

export interface EvalCommandOptions {
  data: string;
  trainRows: string;
  periodMs?: string;
  seed: string;
  json?: boolean;
  predictions?: string;
  config?: string;
  concurrency: string;
}

export function registerEvalCommand(program: Command, io: CliIo): void {
  program
    .command('eval')
    .description('score detection on labelled CSV files in the SKAB layout (F1, FAR, MAR, NAB)')
    .requiredOption('--data <dir>', 'directory of CSV files (searched recursively)')
    .option(
      '--train-rows <n>',
      'rows at the start of each file that train its model and are never scored',
      '400',
    )
    .option('--period-ms <n>', 'sampling period in ms (default: median spacing of the timestamps)')
    .option('--seed <n>', 'seed for model initialisation and shuffling', '1')
    .option('--json', 'print one JSON object instead of the table')
    .option(
      '--predictions <dir>',
      'write datetime;score;threshold;predicted for every file into this directory',
    )
    .option('--config <file>', 'YAML file whose "model" and "detector" sections replace the eval preset')
    .option('--concurrency <n>', 'files evaluated at the same time', '2')
    .action(async (opts: EvalCommandOptions) => {
      const settings = loadEvalSettings(opts.config);
      const seed = numberFlag('seed', opts.seed, { integer: true, min: 0, max: 0xffffffff });
      const startedMs = performance.now();
      const run = await runEvaluation(
        {
          dataDir: opts.data,
          trainRows: numberFlag('train-rows', opts.trainRows, countRule),
          ...(opts.periodMs !== undefined
            ? { periodMs: numberFlag('period-ms', opts.periodMs, countRule) }
            : {}),
          settings,
          isInWorker: true,
          concurrency: numberFlag('concurrency', opts.concurrency, countRule),
          ...(opts.predictions !== undefined ? { predictionsDir: opts.predictions } : {}),
          log: io.err,
          nowMs: () => performance.now(),
        },
        evaluationDepsFor(settings.model, seed),
      );
      io.err(
        `evaluated ${run.report.files.length} files in ${((performance.now() - startedMs) / 1000).toFixed(1)} s\n`,
      );
      io.out(opts.json ? `${JSON.stringify(run.report)}\n` : formatReportTable(run));
    });
}
