// Environment overrides for configuration: every leaf key of the schema may be
// set through GRUWATCH_<PATH>, where the path's segments are turned into
// SCREAMING_SNAKE and joined by "__" (ingest.mqtt.keepaliveSecs →
// GRUWATCH_INGEST__MQTT__KEEPALIVE_SECS). Secrets also accept <NAME>_FILE,
// the usual container convention. Lists and variants take YAML/JSON text.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export const envPrefix = 'GRUWATCH_';

export type LeafKind = 'string' | 'number' | 'boolean' | 'secret' | 'yaml';

export interface EnvOverrideKey {
  path: string[];
  envName: string;
  kind: LeafKind;
  description?: string;
}

export function envNameFor(path: readonly string[]): string {
  return (
    envPrefix + path.map((segment) => segment.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('__')
  );
}

type AnySchema = z.core.$ZodType;

function unwrap(schema: AnySchema): AnySchema {
  let current = schema;
  for (;;) {
    const def = (current as z.ZodType)._zod.def as { type: string; innerType?: AnySchema; in?: AnySchema };
    if (
      (def.type === 'optional' ||
        def.type === 'default' ||
        def.type === 'nullable' ||
        def.type === 'readonly' ||
        def.type === 'prefault') &&
      def.innerType
    ) {
      current = def.innerType;
      continue;
    }
    // A pipe's input is what a file writes; a secret is a pipe too, and stays a leaf.
    if (def.type === 'pipe' && def.in && !isSecret(current)) {
      current = def.in;
      continue;
    }
    return current;
  }
}

function isSecret(schema: AnySchema): boolean {
  return (z.globalRegistry.get(schema as z.ZodType) as { secret?: boolean } | undefined)?.secret === true;
}

function leafKind(schema: AnySchema): LeafKind {
  if (isSecret(schema)) return 'secret';
  const type = (schema as z.ZodType)._zod.def.type;
  if (type === 'string' || type === 'enum' || type === 'literal') return 'string';
  if (type === 'number' || type === 'int' || type === 'bigint') return 'number';
  if (type === 'boolean') return 'boolean';
  return 'yaml';
}

/** Every key that can be overridden from the environment, in schema order. */
export function listEnvOverrideKeys(schema: AnySchema, path: string[] = []): EnvOverrideKey[] {
  const inner = unwrap(schema);
  const def = (inner as z.ZodType)._zod.def as { type: string; shape?: Record<string, AnySchema> };
  if (def.type === 'object' && def.shape && !isSecret(inner)) {
    return Object.entries(def.shape).flatMap(([key, child]) => listEnvOverrideKeys(child, [...path, key]));
  }
  const description = (schema as z.ZodType).description ?? (inner as z.ZodType).description;
  return [
    { path, envName: envNameFor(path), kind: leafKind(inner), ...(description ? { description } : {}) },
  ];
}

function convert(raw: string, kind: LeafKind): unknown {
  switch (kind) {
    case 'string':
    case 'secret':
      return raw;
    case 'number': {
      const n = Number(raw);
      return raw.trim() === '' || Number.isNaN(n) ? raw : n; // leave it to the schema to reject
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

export interface AppliedOverride {
  path: string[];
  envName: string;
}

/**
 * Applies overrides from `env` onto a copy of the file's raw object and says
 * which keys came from where, so error messages can name the variable.
 */
export function applyEnvOverrides(
  raw: Record<string, unknown>,
  schema: AnySchema,
  env: NodeJS.ProcessEnv,
): { value: Record<string, unknown>; applied: AppliedOverride[]; unknown: string[] } {
  const value = structuredClone(raw);
  const applied: AppliedOverride[] = [];
  const keys = listEnvOverrideKeys(schema);
  const known = new Set<string>();
  for (const key of keys) {
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
  // GRUWATCH_CONFIG and GRUWATCH_LOG_PRETTY are runtime switches, not config keys.
  const runtime = new Set([`${envPrefix}CONFIG`]);
  const unknown = Object.keys(env).filter(
    (name) =>
      name.startsWith(envPrefix) &&
      !known.has(name) &&
      !runtime.has(name) &&
      !name.startsWith(`${envPrefix}TEST_`),
  );
  return { value, applied, unknown };
}
