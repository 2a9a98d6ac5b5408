// The hint for an unknown configuration key: the nearest known key when it is
// close enough to be a slip of the keyboard, else the list of known keys.

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** `did you mean "level"?` for `levle`, or `known keys here: …` when no known key is near. */
export function didYouMean(key: string, known: readonly string[]): string {
  const nearest = known
    .map((k) => ({ k, d: levenshtein(k.toLowerCase(), key.toLowerCase()) }))
    .sort((a, b) => a.d - b.d)[0];
  return nearest && nearest.d <= Math.max(2, Math.floor(key.length / 3))
    ? `did you mean "${nearest.k}"?`
    : `known keys here: ${known.join(', ') || 'none'}`;
}
