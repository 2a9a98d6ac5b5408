// `gruwatch models list|show|promote|rollback`: the model registry from the
// command line. Promotion and rollback move the registry's `current` pointer
// atomically; a running service notices the move within
// `retraining.checkIntervalMs` and swaps models between two windows.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { PipelineError } from '../core/index.js';
import type { ArtifactManifest } from '../model/index.js';
import { createModelRegistry, type ModelRegistry } from '../model/node/index.js';
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
      {
        details: { field: 'config' },
      },
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

async function requireVersions(registry: ModelRegistry, name: string): Promise<string[]> {
  const versions = await registry.versions(name);
  if (versions.length === 0) {
    throw new PipelineError(
      'CLI_USAGE',
      `no model "${name}" in ${registry.dir}; \`gruwatch models list\` shows the models`,
      {
        details: { field: 'name', name },
      },
    );
  }
  return versions;
}

function isoOrDash(ms: number | undefined): string {
  return ms === undefined ? '-' : new Date(ms).toISOString();
}

/** The summary an operator checks before promoting: shape, data, training and threshold. */
export function summarizeManifest(
  name: string,
  version: string,
  isCurrent: boolean,
  manifest: ArtifactManifest,
) {
  const training = manifest.training;
  const lastLoss = training?.lossCurve.at(-1);
  const best = training?.lossCurve.find((p) => p.epoch === training.bestEpoch);
  const calibration = manifest.calibration as { type?: unknown; value?: unknown; n?: unknown } | null;
  return {
    name,
    version,
    current: isCurrent,
    createdAt: manifest.createdAt,
    gruwatchVersion: manifest.gruwatchVersion,
    dims: manifest.dims,
    window: manifest.window,
    channels: manifest.channels,
    training:
      training === null
        ? null
        : {
            dataFrom: training.dataRange === null ? null : isoOrDash(training.dataRange.startMs),
            dataTo: training.dataRange === null ? null : isoOrDash(training.dataRange.endMs),
            windows: training.windows,
            epochs: training.epochs,
            bestEpoch: training.bestEpoch,
            trainLoss: (best ?? lastLoss)?.trainLoss ?? null,
            validationLoss: (best ?? lastLoss)?.validationLoss ?? null,
            seed: training.seed,
          },
    threshold:
      calibration === null
        ? null
        : {
            type: typeof calibration.type === 'string' ? calibration.type : 'unknown',
            value: typeof calibration.value === 'number' ? calibration.value : null,
            samples: typeof calibration.n === 'number' ? calibration.n : null,
          },
  };
}

function formatSummary(s: ReturnType<typeof summarizeManifest>): string {
  const lines = [
    `model      ${s.name}`,
    `version    ${s.version}${s.current ? ' (current)' : ''}`,
    `created    ${s.createdAt ?? '-'} by gruwatch ${s.gruwatchVersion}`,
    `dims       C=${s.dims.C} T=${s.dims.T} H=${s.dims.H}; window ${s.window.lengthSteps} steps, hop ${s.window.hopSteps}`,
    `channels   ${s.channels.join(', ')}`,
  ];
  if (s.training === null) lines.push('training   (not recorded)');
  else {
    const t = s.training;
    lines.push(
      `data       ${t.dataFrom ?? '-'} .. ${t.dataTo ?? '-'}`,
      `training   ${t.windows} windows, ${t.epochs} epochs (best ${t.bestEpoch}), seed ${t.seed}`,
      `loss       train ${t.trainLoss ?? '-'}, validation ${t.validationLoss ?? '-'} (best epoch)`,
    );
  }
  lines.push(
    s.threshold === null
      ? 'threshold  (not calibrated; `gruwatch run` refuses this version)'
      : `threshold  ${s.threshold.value} (${s.threshold.type}${s.threshold.samples !== null ? `, ${s.threshold.samples} held-out windows` : ''})`,
  );
  return `${lines.join('\n')}\n`;
}

export function registerModelsCommand(program: Command, io: CliIo): void {
  const models = program.command('models').description('list, inspect, promote and roll back trained models');

  withRegistryOptions(models.command('list').description('list the models: versions and the current one'), io)
    .option('--json', 'print one JSON object per model')
    .action(async (opts: RegistryOptions & { json?: boolean }) => {
      const registry = openRegistry(opts, io);
      const names = await registry.names();
      const rows = [];
      for (const name of names) {
        const versions = await registry.versions(name);
        rows.push({ name, versions, current: (await registry.current(name)) ?? null });
      }
      if (opts.json) {
        for (const row of rows) io.out(`${JSON.stringify(row)}\n`);
        return;
      }
      if (rows.length === 0) {
        io.out(`no models in ${registry.dir}\n`);
        return;
      }
      io.out('name\tversions\tcurrent\tnewest\n');
      for (const r of rows)
        io.out(`${r.name}\t${r.versions.length}\t${r.current ?? '-'}\t${r.versions.at(-1) ?? '-'}\n`);
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
      const registry = openRegistry(opts, io);
      const versions = await requireVersions(registry, name);
      const current = await registry.current(name);
      const chosen = version ?? current;
      if (chosen === undefined) {
        throw new PipelineError(
          'CLI_USAGE',
          `model "${name}" has no current version; name one of: ${versions.join(', ')}`,
          {
            details: { field: 'version' },
          },
        );
      }
      if (!versions.includes(chosen)) {
        throw new PipelineError(
          'CLI_USAGE',
          `model "${name}" has no version "${chosen}"; it has: ${versions.join(', ')}`,
          {
            details: { field: 'version', version: chosen },
          },
        );
      }
      const loaded = await registry.load(name, chosen);
      const summary = summarizeManifest(name, chosen, chosen === current, loaded.manifest);
      io.out(opts.json ? `${JSON.stringify(summary)}\n` : formatSummary(summary));
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
    const registry = openRegistry(opts, io);
    const versions = await requireVersions(registry, name);
    if (!versions.includes(version)) {
      throw new PipelineError(
        'CLI_USAGE',
        `model "${name}" has no version "${version}"; it has: ${versions.join(', ')}`,
        {
          details: { field: 'version', version },
        },
      );
    }
    const before = await registry.current(name);
    await registry.promote(name, version);
    io.out(
      `${name}: current version ${before ?? '(none)'} -> ${version}; a running gruwatch run serves it within retraining.checkIntervalMs\n`,
    );
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
    const registry = openRegistry(opts, io);
    await requireVersions(registry, name);
    const { from: current, to: previous } = await registry.rollback(name);
    io.out(
      `${name}: rolled back from ${current} to ${previous}; a running gruwatch run serves it within retraining.checkIntervalMs\n`,
    );
  });
}
