// Dotted field paths compiled once into accessor functions, so decoding a
// reading does no string splitting and no allocation.

/** Reads one configured field from a parsed JSON value; undefined when any step is missing. */
export type FieldAccessor = (source: unknown) => unknown;

/** Compiles "a.b.c" into an accessor; paths of one or two segments get a specialised closure. */
export function compileFieldPath(path: string): FieldAccessor {
  const keys = path.split('.');
  if (keys.length === 1) {
    const k0 = keys[0];
    return (source) => (isRecord(source) ? source[k0] : undefined);
  }
  if (keys.length === 2) {
    const k0 = keys[0];
    const k1 = keys[1];
    return (source) => {
      if (!isRecord(source)) return undefined;
      const inner = source[k0];
      return isRecord(inner) ? inner[k1] : undefined;
    };
  }
  return (source) => {
    let current = source;
    for (let i = 0; i < keys.length; i++) {
      if (!isRecord(current)) return undefined;
      current = current[keys[i]];
    }
    return current;
  };
}

/** A JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
