// Per-asset state kept in Maps, written out as JSON-serialisable records for persistence.

/**
 * `view` of each entry of `map` as a plain record: of the `keys` only when given (those `map`
 * lacks are left out), else of every entry. A commit touching a few assets copies only theirs.
 */
export function recordOf<V, R>(
  map: ReadonlyMap<string, V>,
  keys: Iterable<string> | undefined,
  view: (value: V) => R,
): Record<string, R> {
  const out: Record<string, R> = {};
  if (keys === undefined) {
    for (const [key, value] of map) out[key] = view(value);
    return out;
  }
  for (const key of keys) {
    const value = map.get(key);
    if (value !== undefined) out[key] = view(value);
  }
  return out;
}
