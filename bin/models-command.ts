// `gruwatch models list|show|promote|rollback`: the model registry from the
// command line. What each command checks and prints is the registry's
// (model/node/registry-commands.ts); here, which registry and the flags.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { PipelineError } from '../core/index.js';
import {
  createModelRegistry,
  formatModelList,
  formatModelSummary,
  listModels,
  type ModelRegistry,
  promoteModel,
  rollbackModel,
  showModel,
} from '../model/node/index.js';
import type { CliIo } from './cli-io.js';
import { configSchema } from './config.js';
import { loadConfig } from './load-config.js';
import { openModelRegistry } from './open-model-registry.js';

interface RegistryOptions {
  config?: string;
  registry?: string;
}

/** The registry named by --registry, or by the configuration (model.registryDir, or <dataDir>/models). */
function openRegistry(opts: RegistryOptions, io: CliIo): ModelRegistry {
  if (opts.registry !== undefined) return createModelRegistry(resolve(opts.registry));
  if (opts.config === undefined) {
    throw new PipelineError(
      'CLI_USAGE',
      'give the configuration with -c <file> or the registry with --registry <dir>',
      { details: { field: 'config' } },
    );
  }
  const { config } = loadConfig(configSchema, { file: opts.config, env: io.env });
  return openModelRegistry(config);
}

function withRegistryOptions(command: Command, io: CliIo): Command {
  return command
    .option(
      '-c, --config <file>',
      'YAML configuration file (its model.registryDir or dataDir)',
      io.env.GRUWATCH_CONFIG,
    )
    .option('--registry <dir>', 'model registry directory (instead of the configuration)');
}

export function registerModelsCommand(program: Command, io: CliIo): void {
  const models = program.command('models').description('list, inspect, promote and roll back trained models');

  withRegistryOptions(models.command('list').description('list the models: versions and the current one'), io)
    .option('--json', 'print one JSON object per model')
    .action(async (opts: RegistryOptions & { json?: boolean }) => {
      const registry = openRegistry(opts, io);
      const rows = await listModels(registry);
      if (opts.json) for (const row of rows) io.out(`${JSON.stringify(row)}\n`);
      else io.out(formatModelList(rows, registry.dir));
    });

  withRegistryOptions(
    models
      .command('show')
      .description('summarize a model version: dims, channels, training data and loss, threshold')
      .argument('<name>', 'model name')
      .argument('[version]', 'version (default: the current one)'),
    io,
  )
    .option('--json', 'print the summary as JSON')
    .action(async (name: string, version: string | undefined, opts: RegistryOptions & { json?: boolean }) => {
      const summary = await showModel(openRegistry(opts, io), name, version);
      io.out(opts.json ? `${JSON.stringify(summary)}\n` : formatModelSummary(summary));
    });

  withRegistryOptions(
    models
      .command('promote')
      .description(
        'make a version the current one (atomic); a running gruwatch run serves it within retraining.checkIntervalMs (default 5 s), no restart needed',
      )
      .argument('<name>', 'model name')
      .argument('<version>', 'version to make current'),
    io,
  ).action(async (name: string, version: string, opts: RegistryOptions) => {
    io.out(await promoteModel(openRegistry(opts, io), name, version));
  });

  withRegistryOptions(
    models
      .command('rollback')
      .description(
        'make the version that served before the current one current again; a running gruwatch run serves it within retraining.checkIntervalMs (default 5 s)',
      )
      .argument('<name>', 'model name'),
    io,
  ).action(async (name: string, opts: RegistryOptions) => {
    io.out(await rollbackModel(openRegistry(opts, io), name));
  });
}
