// `gruwatch eval`: scores the whole detection path on labelled CSV files in the
// SKAB layout, with one model per file trained on its first rows (bin/eval/).
import type { Command } from 'commander';
import { PipelineError } from '../core/index.js';
import type { CliIo } from './cli.js';
import { loadEvalSettings } from './eval/eval-preset.js';
import { formatReport } from './eval/format-report.js';
import { runEvaluation } from './eval/run-evaluation.js';

function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new PipelineError('CLI_USAGE', `--${name} must be a positive integer, got "${value}"`, {
      details: { field: name },
    });
  }
  return n;
}

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
      const seed = Number(opts.seed);
      if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
        throw new PipelineError(
          'CLI_USAGE',
          `--seed must be an integer from 0 to 4294967295, got "${opts.seed}"`,
          {
            details: { field: 'seed' },
          },
        );
      }
      const startedMs = performance.now();
      const run = await runEvaluation({
        dataDir: opts.data,
        trainRows: positiveInt('train-rows', opts.trainRows),
        ...(opts.periodMs !== undefined ? { periodMs: positiveInt('period-ms', opts.periodMs) } : {}),
        seed,
        settings,
        isInWorker: true,
        concurrency: positiveInt('concurrency', opts.concurrency),
        ...(opts.predictions !== undefined ? { predictionsDir: opts.predictions } : {}),
        log: io.err,
        nowMs: () => performance.now(),
      });
      io.err(
        `evaluated ${run.report.files.length} files in ${((performance.now() - startedMs) / 1000).toFixed(1)} s\n`,
      );
      io.out(opts.json ? `${JSON.stringify(run.report)}\n` : formatReport(run));
    });
}
