// Deprecated configuration keys: a key whose description starts with the marker below still
// parses for one release; loading a file that sets it warns and names the key that replaces it.
import type { z } from 'zod';

export const deprecatedMarker = 'Deprecated: use ';

type AnySchema = z.core.$ZodType;

/** The object shape behind optional/default/prefault wrappers and pipes, if there is one. */
function shapeOf(schema: AnySchema): Record<string, AnySchema> | undefined {
  let node = schema;
  for (;;) {
    const def = (node as z.ZodType)._zod.def as {
      type: string;
      innerType?: AnySchema;
      in?: AnySchema;
      shape?: Record<string, AnySchema>;
    };
    if (def.innerType) node = def.innerType;
    else if (def.type === 'pipe' && def.in) node = def.in;
    else return def.type === 'object' ? def.shape : undefined;
  }
}

/** One warning per deprecated key that `value` (the raw config) sets. */
export function deprecatedKeysIn(schema: AnySchema, value: unknown, path: readonly string[] = []): string[] {
  const shape = shapeOf(schema);
  if (shape === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => {
    const childSchema = shape[key];
    if (childSchema === undefined) return [];
    const description = (childSchema as z.ZodType).description ?? '';
    const at = [...path, key];
    if (!description.startsWith(deprecatedMarker)) return deprecatedKeysIn(childSchema, child, at);
    const replacement = description.slice(deprecatedMarker.length).split(/[.]\s/)[0];
    return [`${at.join('.')} is deprecated and will be removed in the next release: use ${replacement}`];
  });
}
