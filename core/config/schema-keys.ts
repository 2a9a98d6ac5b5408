// The keys a zod object schema accepts at a path of the input, looking through
// optional/default/prefault wrappers and pipes (whose input is what a file writes).
import type { z } from 'zod';

type AnySchema = z.core.$ZodType;

interface WalkDef {
  type: string;
  innerType?: AnySchema;
  in?: AnySchema;
  shape?: Record<string, AnySchema>;
  element?: AnySchema;
}

const defOf = (schema: AnySchema) => (schema as z.ZodType)._zod.def as WalkDef;

function unwrapped(schema: AnySchema): AnySchema {
  let node = schema;
  for (;;) {
    const def = defOf(node);
    if (def.innerType) node = def.innerType;
    else if (def.type === 'pipe' && def.in) node = def.in;
    else return node;
  }
}

/** The keys of the object at `path` (list indices as numbers), or none where there is no object. */
export function knownKeysAt(schema: AnySchema, path: readonly PropertyKey[]): string[] {
  let node = unwrapped(schema);
  for (const segment of path) {
    const def = defOf(node);
    if (def.type === 'object' && def.shape && typeof segment === 'string' && def.shape[segment])
      node = unwrapped(def.shape[segment]);
    else if (def.type === 'array' && def.element && typeof segment === 'number')
      node = unwrapped(def.element);
    else return [];
  }
  const def = defOf(node);
  return def.shape ? Object.keys(def.shape) : [];
}
