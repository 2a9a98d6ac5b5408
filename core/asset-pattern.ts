// Asset patterns as used by ingest's asset groups and the detector's overrides,
// silences, maintenance windows and machine-off rules: an exact asset id, or a glob where `*` matches any run of
// characters and `?` exactly one. Nothing else is special, so ids with dots or
// brackets need no escaping.

/** True when the pattern contains a wildcard. */
export function isAssetGlob(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

/** True when `assetId` matches `pattern` (whole id, case-sensitive). */
export function matchesAssetPattern(pattern: string, assetId: string): boolean {
  if (!isAssetGlob(pattern)) return pattern === assetId;
  // Iterative glob match with single-star backtracking: linear in practice and
  // free of the catastrophic cases a generated regular expression can hit.
  let p = 0;
  let a = 0;
  let starP = -1;
  let starA = 0;
  while (a < assetId.length) {
    const token = pattern[p];
    if (p < pattern.length && (token === '?' || token === assetId[a])) {
      p += 1;
      a += 1;
    } else if (p < pattern.length && token === '*') {
      starP = p;
      starA = a;
      p += 1;
    } else if (starP !== -1) {
      p = starP + 1;
      starA += 1;
      a = starA;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p += 1;
  return p === pattern.length;
}

/**
 * True when some asset id matches both patterns (glob intersection): used to check at start-up
 * that rules written for one pattern fit the asset groups whose ids they can meet.
 */
export function assetPatternsOverlap(a: string, b: string): boolean {
  const seen = new Map<number, boolean>();
  const width = b.length + 1;
  const meet = (i: number, j: number): boolean => {
    const key = i * width + j;
    const known = seen.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === a.length && j === b.length) result = true;
    else if (i < a.length && a[i] === '*') result = meet(i + 1, j) || (j < b.length && meet(i, j + 1));
    else if (j < b.length && b[j] === '*') result = meet(i, j + 1) || (i < a.length && meet(i + 1, j));
    else if (i === a.length || j === b.length) result = false;
    else result = (a[i] === '?' || b[j] === '?' || a[i] === b[j]) && meet(i + 1, j + 1);
    seen.set(key, result);
    return result;
  };
  return meet(0, 0);
}
