// The promotions log read back: which versions served, in order. Shared by the local and the S3
// registry so that `previous` and `rollback` walk back the same way in both.
import { PipelineError } from '../../core/errors.js';
import type { ModelRegistry } from './model-registry.js';

/**
 * Replays log lines (`<ms> <version> <promote|rollback>`) as a stack of served versions: a
 * promotion pushes, a rollback pops back to the version it restored, so repeated rollbacks keep
 * walking back. The last entry is the version the log says serves now.
 */
export function servedBefore(lines: readonly string[]): string[] {
  const served: string[] = [];
  for (const line of lines) {
    const [, version, how] = line.trim().split(' ');
    if (version === undefined) continue;
    if (how === 'rollback') {
      while (served.length > 0 && served.at(-1) !== version) served.pop();
      if (served.length === 0) served.push(version);
    } else if (served.at(-1) !== version) served.push(version);
  }
  return served;
}

/** Makes `previous(name)` current again, logged as a rollback; throws when there is none. */
export async function rollBack(
  registry: Pick<ModelRegistry, 'current' | 'previous' | 'promote'>,
  name: string,
): Promise<{ from: string; to: string }> {
  const from = await registry.current(name);
  const to = await registry.previous(name);
  if (from === undefined || to === undefined) {
    throw new PipelineError(
      'CLI_USAGE',
      from === undefined
        ? `model "${name}" has no current version to roll back from; promote one with \`gruwatch models promote ${name} <version>\``
        : `model "${name}" has no version that served before the current one (${from}); nothing to roll back to`,
      { details: { field: 'name', name, current: from ?? null } },
    );
  }
  await registry.promote(name, to, 'rollback');
  return { from, to };
}

/**
 * The version that served before `now`: from the log, or, for a registry without one (written
 * before it existed), the version before `now` in time order.
 */
export async function previousVersion(
  lines: readonly string[],
  now: string,
  versions: () => Promise<string[]>,
): Promise<string | undefined> {
  const served = servedBefore(lines);
  if (served.at(-1) === now) return served.at(-2);
  const all = await versions();
  const at = all.indexOf(now);
  return at > 0 ? all[at - 1] : undefined;
}
