// Quantiles of sorted samples, shared by the normalizer (robust centre and
// spread) and threshold calibration.

/**
 * The q-quantile of ascending `sorted` by linear interpolation between order
 * statistics (Hyndman & Fan type 7, numpy's default): h = (n − 1)·q,
 * Q = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋ + 1] − x[⌊h⌋]) with 0-based x.
 */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}
