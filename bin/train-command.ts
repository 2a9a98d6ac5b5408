import type { Command } from 'commander';
import { createRootLogger, PipelineError, systemClock } from '../core/index.js';
import { matchesAssetPattern } from '../detector/index.js';
import { type FrameSegment, fitModel } from '../detector/retraining/index.js';
import { createLocalStore, storedFrameSegment } from '../detector/sinks/index.js';
import { alignReadings, readCsvReadings } from '../ingest/index.js';
import { numberFlag } from './cli-flags.js';
import type { CliIo } from './cli-io.js';
import { assetGroupOf, configSchema, storePathOf } from './config.js';
import { loadConfig } from './load-config.js';
import { fittingFor } from './model-kinds.js';
import { openModelRegistry } from './open-model-registry.js';
import { createTrainingProgressBar } from './progress-bar.js';

interface TrainFlags {
  config: string;
  model?: string;
  csv?: string[];
  asset?: string[];
  fromStore?: boolean;
  lookbackHours: string;
  promote: boolean;
}

export function registerTrainCommand(program: Command, io: CliIo): void {
  program
    .command('train')
    .description('train a model for an asset group on normal data and put it in the model registry')
    .requiredOption('-c, --config <file>', 'YAML configuration file', io.env.GRUWATCH_CONFIG)
    .option('--model <name>', 'model to train (an ingest.assets[].model); default: the first group')
    .option(
      '--csv <files...>',
      'CSV files of normal operation, one asset each: ";"-separated, header "datetime;<channel>;…", datetime as YYYY-MM-DD hh:mm:ss in UTC (or ISO 8601 with an offset), channels by name in any order (the asset group\'s are used), optional last columns anomaly;changepoint ignored; see "Training a first model from CSV files" in the README and deploy/config/training/pump-001.csv',
    )
    .option('--asset <ids...>', 'asset id of each CSV file (default: the file name)')
    .option('--from-store', 'train on the frames the local store kept for the group’s assets')
    .option('--lookback-hours <h>', 'with --from-store: how far back to read', '168')
    .option('--no-promote', 'add the version without making it current')
    .action(async (flags: TrainFlags) => {
      const lookbackHours = numberFlag('lookback-hours', flags.lookbackHours, { positive: true });
      const { config } = loadConfig(configSchema, { file: flags.config, env: io.env });
      const group = assetGroupOf(config, flags.model);
      const segments: FrameSegment[] = [];
      if (flags.csv !== undefined) {
        flags.csv.forEach((file, i) => {
          const { readings, channels } = readCsvReadings(file, flags.asset?.[i]);
          const missing = group.channels.filter((c) => !channels.includes(c));
          if (missing.length > 0) {
            throw new PipelineError(
              'CLI_USAGE',
              `${file} lacks channel(s) ${missing.join(', ')} of model "${group.model}"`,
            );
          }
          const segment = alignReadings(readings, group.channels, config.ingest);
          if (segment !== undefined) segments.push(segment);
        });
      } else if (flags.fromStore) {
        const store = createLocalStore(
          { ...config.store, path: storePathOf(config) },
          { clock: systemClock, logger: createRootLogger({ level: 'warn' }) },
        );
        try {
          // Everything from the lookback on, including frames stamped ahead of this host's clock.
          const toMs = Number.MAX_SAFE_INTEGER;
          const fromMs = systemClock.nowMs() - lookbackHours * 3_600_000;
          for (const assetId of store.listAssets().filter((a) => matchesAssetPattern(group.match, a))) {
            const segment = storedFrameSegment(
              store,
              assetId,
              group.channels,
              { fromMs, toMs },
              config.ingest.align.periodMs,
            );
            if (segment !== undefined) segments.push(segment);
          }
        } finally {
          store.close();
        }
      } else {
        throw new PipelineError('CLI_USAGE', 'give the training data: --csv FILE… or --from-store');
      }
      const started = performance.now();
      const bar = createTrainingProgressBar(io);
      const result = await fitModel({
        segments,
        channels: group.channels,
        periodMs: config.ingest.align.periodMs,
        ...fittingFor(config.model),
        detector: config.detector,
        onProgress: (p) => bar.update(p),
      });
      bar.finish();
      const registry = openModelRegistry(config);
      const version = await registry.add(group.model, result.bytes);
      if (flags.promote) await registry.promote(group.model, version);
      io.out(
        `${JSON.stringify({
          model: group.model,
          version,
          isCurrent: flags.promote,
          windows: result.windows,
          epochs: result.summary.epochsRun,
          bestEpoch: result.summary.bestEpoch,
          bestLoss: result.summary.bestLoss,
          threshold: result.calibration.value,
          seconds: Math.round((performance.now() - started) / 100) / 10,
        })}\n`,
      );
    });
}
