// The operator's commands on a model registry (`gruwatch models list|show|
// promote|rollback`): which version a request means, what is refused with
// which hint, and the text each command prints. Promotion and rollback move
// the registry's `current` pointer atomically; a running service notices the
// move within `retraining.checkIntervalMs` and swaps models between two windows.
import { PipelineError } from '../../core/errors.js';
import type { ModelRegistry } from './model-registry.js';
import { type ModelSummary, summarizeManifest } from './model-summary.js';

export interface ModelListing {
  name: string;
  /** Oldest first. */
  versions: string[];
  current: string | null;
}

const servedWithin = 'a running gruwatch run serves it within retraining.checkIntervalMs';

async function requireVersions(registry: ModelRegistry, name: string): Promise<string[]> {
  const versions = await registry.versions(name);
  if (versions.length === 0) {
    throw new PipelineError(
      'CLI_USAGE',
      `no model "${name}" in ${registry.dir}; \`gruwatch models list\` shows the models`,
      { details: { field: 'name', name } },
    );
  }
  return versions;
}

function requireVersion(name: string, version: string, versions: readonly string[]): void {
  if (!versions.includes(version)) {
    throw new PipelineError(
      'CLI_USAGE',
      `model "${name}" has no version "${version}"; it has: ${versions.join(', ')}`,
      { details: { field: 'version', version } },
    );
  }
}

/** Every model with its versions and current one, by name. */
export async function listModels(registry: ModelRegistry): Promise<ModelListing[]> {
  const rows: ModelListing[] = [];
  for (const name of await registry.names()) {
    const versions = await registry.versions(name);
    rows.push({ name, versions, current: (await registry.current(name)) ?? null });
  }
  return rows;
}

/** The listing as a tab-separated table (or a line saying the registry is empty). */
export function formatModelList(rows: readonly ModelListing[], registryDir: string): string {
  if (rows.length === 0) return `no models in ${registryDir}\n`;
  const lines = rows.map(
    (r) => `${r.name}\t${r.versions.length}\t${r.current ?? '-'}\t${r.versions.at(-1) ?? '-'}\n`,
  );
  return `name\tversions\tcurrent\tnewest\n${lines.join('')}`;
}

/** The summary of `version`, or of the current version when none is named. */
export async function showModel(
  registry: ModelRegistry,
  name: string,
  version?: string,
): Promise<ModelSummary> {
  const versions = await requireVersions(registry, name);
  const current = await registry.current(name);
  const chosen = version ?? current;
  if (chosen === undefined) {
    throw new PipelineError(
      'CLI_USAGE',
      `model "${name}" has no current version; name one of: ${versions.join(', ')}`,
      { details: { field: 'version' } },
    );
  }
  requireVersion(name, chosen, versions);
  const loaded = await registry.load(name, chosen);
  return summarizeManifest(name, chosen, chosen === current, loaded.manifest);
}

/** Makes `version` current; returns the line that says what changed. */
export async function promoteModel(registry: ModelRegistry, name: string, version: string): Promise<string> {
  requireVersion(name, version, await requireVersions(registry, name));
  const before = await registry.current(name);
  await registry.promote(name, version);
  return `${name}: current version ${before ?? '(none)'} -> ${version}; ${servedWithin}\n`;
}

/** Makes the version that served before the current one current again; returns the line that says so. */
export async function rollbackModel(registry: ModelRegistry, name: string): Promise<string> {
  await requireVersions(registry, name);
  const { from, to } = await registry.rollback(name);
  return `${name}: rolled back from ${from} to ${to}; ${servedWithin}\n`;
}
