// `gruwatch retrain`: one retraining run of one model, for a scheduler (cron, a systemd timer, a
// Kubernetes CronJob) instead of the service's own schedule, so a model group spread over several
// instances is retrained once. It is the service's run: the same retrainer, job, child process,
// validation, promotion policy and pruning; instances follow the registry's `current` pointer.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { createRootLogger, noopTelemetry, PipelineError, systemClock } from '../core/index.js';
import {
  createRetrainer,
  type RetrainerDeps,
  type RetrainStatus,
  retrainingSettingsFor,
} from '../detector/retraining/index.js';
import { createLocalStore, type ModelEventRecord } from '../detector/sinks/index.js';
import type { CliIo } from './cli-io.js';
import { assetGroupOf, type Config, configSchema, storePathOf } from './config.js';
import { loadConfig } from './load-config.js';
import { openModelRegistry } from './open-model-registry.js';
import { retrainerSettingsOf } from './retrainer-settings.js';
import { retrainJobsInChild } from './run-retrain-in-child.js';

export interface RetrainCommandDeps {
  /** Runs the job; default: in a child process at low priority, as the service does. */
  runJob?: RetrainerDeps['runJob'];
}

/** What the command prints: the run's outcome and the figures the job reported with it. */
export type RetrainReport = NonNullable<RetrainStatus['lastRun']> & {
  model: string;
  previousVersion: string;
  details?: Record<string, unknown> | undefined;
};

const completed: readonly string[] = ['promoted', 'awaiting_approval', 'refused'];

/** Refuses what a one-shot run cannot do, before any data is read. */
function checkModel(config: Config, model: string): void {
  assetGroupOf(config, model);
  const settings = retrainingSettingsFor(config.retraining, model);
  if (settings.shadowMs > 0)
    throw new PipelineError(
      'CLI_USAGE',
      `model "${model}" has retraining shadowMs ${settings.shadowMs}: a shadow period needs a running service scoring live windows; set shadowMs: 0 for this job (promotion.mode auto, or manual to approve with \`gruwatch models promote\`)`,
    );
}

export async function retrainOnce(
  config: Config,
  model: string,
  io: CliIo,
  deps: RetrainCommandDeps = {},
): Promise<RetrainReport> {
  checkModel(config, model);
  const logger = createRootLogger({ level: config.logging.level }, { write: (line) => io.err(line) });
  const registry = openModelRegistry(config);
  const previousVersion = await registry.current(model);
  if (previousVersion === undefined)
    throw new PipelineError(
      'MODEL_TRAINING_FAILED',
      `model "${model}" has no current version in the registry; train a first one with \`gruwatch train\``,
    );
  // The store holds the operator labels and silences the curation leaves out; with source `store`
  // also the frames. A host without one gets an empty store.
  mkdirSync(resolve(config.dataDir), { recursive: true });
  const storePath = storePathOf(config);
  const store = createLocalStore({ ...config.store, path: storePath }, { clock: systemClock, logger });
  const events: ModelEventRecord[] = [];
  try {
    const retrainer = createRetrainer({
      settings: retrainerSettingsOf(config),
      models: {
        // Nothing is served here, so no candidate can run in shadow (refused above).
        slots: config.ingest.assets.map((g) => ({ ...g, name: g.model, served: undefined })),
        prepare: () => Promise.reject(new Error('a one-shot retrain serves no model')),
      },
      registry,
      storePath,
      clock: systemClock,
      logger,
      metrics: noopTelemetry,
      labels: () => store.listLabels(),
      silences: () => store.listSilencePeriods({ fromMs: 0, toMs: Number.MAX_SAFE_INTEGER }),
      recordEvent: (event) => {
        events.push(event);
        logger.info(event, 'Model event.');
      },
      // The instances see a promotion through the registry's pointer.
      refreshModels: () => Promise.resolve(),
      onStatus: () => undefined,
      runJob: deps.runJob ?? retrainJobsInChild(config.model, registry),
    });
    const run = await retrainer.retrainNow(model);
    await retrainer.stop();
    const outcome = events.findLast((e) => e.details !== undefined);
    return { model, previousVersion, ...run!, details: outcome?.details };
  } finally {
    store.close();
  }
}

export function registerRetrainCommand(program: Command, io: CliIo, deps: RetrainCommandDeps = {}): void {
  program
    .command('retrain')
    .description(
      "retrain one model once, as the service's schedule would (for cron or a Kubernetes CronJob): prints the outcome as one JSON line",
    )
    .requiredOption('-c, --config <file>', 'YAML configuration file', io.env.GRUWATCH_CONFIG)
    .option('--model <name>', 'model to retrain (an ingest.assets[].model); default: the first group’s')
    .action(async (flags: { config: string; model?: string }) => {
      const { config } = loadConfig(configSchema, { file: flags.config, env: io.env });
      const model = assetGroupOf(config, flags.model).model;
      const report = await retrainOnce(config, model, io, deps);
      io.out(`${JSON.stringify(report)}\n`);
      if (!completed.includes(report.outcome))
        throw new PipelineError(
          'MODEL_TRAINING_FAILED',
          `retraining of model "${model}" ${report.outcome === 'skipped' ? 'trained no candidate' : 'failed'}: ${report.reason}`,
        );
    });
}
