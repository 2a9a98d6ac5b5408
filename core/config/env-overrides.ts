// Environment overrides for configuration: the variables named by
// env-override-keys.ts set their key on a copy of the file's input. Secrets also
// accept <NAME>_FILE, the usual container convention. Lists and variants take
// YAML/JSON text; a value of the wrong type is left for the schema to reject.
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { type LeafKind, listEnvOverrideKeys } from './env-override-keys.js';

export interface EnvOverrideSettings {
  /** The prefix of every override variable, e.g. `APP_` for APP_HTTP__PORT. */
  prefix: string;
  /** Variables with the prefix that are not configuration keys (runtime switches, test settings). */
  isReserved?: (name: string) => boolean;
}

export interface AppliedOverride {
  path: string[];
  envName: string;
}

function convert(raw: string, kind: LeafKind): unknown {
  switch (kind) {
    case 'string':
    case 'secret':
      return raw;
    case 'number': {
      const n = Number(raw);
      return raw.trim() === '' || Number.isNaN(n) ? raw : n;
    }
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    case 'yaml':
      try {
        return parseYaml(raw);
      } catch {
        return raw;
      }
  }
}

function setIn(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

/**
 * Applies overrides from `env` onto a copy of the file's raw object and says which keys came
 * from where, so error messages can name the variable; `unknown` lists the prefixed variables
 * that match no key.
 */
export function applyEnvOverrides(
  raw: Record<string, unknown>,
  schema: z.core.$ZodType,
  env: NodeJS.ProcessEnv,
  settings: EnvOverrideSettings,
): { value: Record<string, unknown>; applied: AppliedOverride[]; unknown: string[] } {
  const value = structuredClone(raw);
  const applied: AppliedOverride[] = [];
  const known = new Set<string>();
  for (const key of listEnvOverrideKeys(schema, settings.prefix)) {
    known.add(key.envName);
    const direct = env[key.envName];
    if (direct !== undefined) {
      setIn(value, key.path, convert(direct, key.kind));
      applied.push({ path: key.path, envName: key.envName });
    }
    if (key.kind === 'secret') {
      const fileVar = `${key.envName}_FILE`;
      known.add(fileVar);
      const file = env[fileVar];
      if (file !== undefined && direct === undefined) {
        setIn(value, key.path, { file });
        applied.push({ path: key.path, envName: fileVar });
      }
    }
  }
  const unknown = Object.keys(env).filter(
    (name) => name.startsWith(settings.prefix) && !known.has(name) && !settings.isReserved?.(name),
  );
  return { value, applied, unknown };
}
