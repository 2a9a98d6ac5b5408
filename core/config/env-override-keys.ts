// Which configuration keys the environment may set, and under which names: every
// leaf key of the schema, named <PREFIX><PATH> with the path's segments in
// SCREAMING_SNAKE joined by "__" (ingest.mqtt.keepaliveSecs with prefix APP_ →
// APP_INGEST__MQTT__KEEPALIVE_SECS). A secret is a leaf even though it is an object.
import { z } from 'zod';

export type LeafKind = 'string' | 'number' | 'boolean' | 'secret' | 'yaml';

export interface EnvOverrideKey {
  path: string[];
  envName: string;
  kind: LeafKind;
  description?: string;
}

export function envNameFor(prefix: string, path: readonly string[]): string {
  return (
    prefix + path.map((segment) => segment.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('__')
  );
}

type AnySchema = z.core.$ZodType;

function isSecret(schema: AnySchema): boolean {
  return (z.globalRegistry.get(schema as z.ZodType) as { secret?: boolean } | undefined)?.secret === true;
}

const wrappers = new Set(['optional', 'default', 'nullable', 'readonly', 'prefault']);

function unwrap(schema: AnySchema): AnySchema {
  let current = schema;
  for (;;) {
    const def = (current as z.ZodType)._zod.def as { type: string; innerType?: AnySchema; in?: AnySchema };
    if (wrappers.has(def.type) && def.innerType) current = def.innerType;
    // A pipe's input is what a file writes; a secret is a pipe too, and stays a leaf.
    else if (def.type === 'pipe' && def.in && !isSecret(current)) current = def.in;
    else return current;
  }
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
export function listEnvOverrideKeys(
  schema: AnySchema,
  prefix: string,
  path: string[] = [],
): EnvOverrideKey[] {
  const inner = unwrap(schema);
  const def = (inner as z.ZodType)._zod.def as { type: string; shape?: Record<string, AnySchema> };
  if (def.type === 'object' && def.shape && !isSecret(inner)) {
    return Object.entries(def.shape).flatMap(([key, child]) =>
      listEnvOverrideKeys(child, prefix, [...path, key]),
    );
  }
  const description = (schema as z.ZodType).description ?? (inner as z.ZodType).description;
  return [
    {
      path,
      envName: envNameFor(prefix, path),
      kind: leafKind(inner),
      ...(description ? { description } : {}),
    },
  ];
}
