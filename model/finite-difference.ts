// Central-difference gradient checks in float64 (llm.c's check_tensor habit): compare an analytic
// gradient with (L(θ + h) − L(θ − h)) / 2h entry by entry and report the worst entries side by side.
import { createRng } from '../core/rng.js';

export interface GradientCheckResult {
  tensor: string;
  checked: number;
  worstRelError: number;
  /** The worst entries, formatted `index: analytic vs numeric (rel)`. */
  worst: string[];
}

/** Relative error with a floor so entries that are both ~0 compare by absolute difference. */
export function relativeError(a: number, n: number, floor = 1e-8): number {
  return Math.abs(a - n) / Math.max(Math.abs(a) + Math.abs(n), floor);
}

/** All indices when size ≤ maxAll, else `sample` distinct indices drawn with `seed`. */
export function pickIndices(size: number, maxAll: number, sample: number, seed: number): number[] {
  if (size <= maxAll) return Array.from({ length: size }, (_, i) => i);
  const rng = createRng(seed, { algorithm: 'xoshiro128**' });
  const chosen = new Set<number>();
  while (chosen.size < Math.min(sample, size)) chosen.add(rng.int(size));
  return [...chosen].sort((a, b) => a - b);
}

/** Perturbs tensor[i] in place for every i in indices and compares with analytic[i]. */
export function checkTensor(
  tensor: string,
  values: Float64Array,
  analytic: ArrayLike<number>,
  loss: () => number,
  indices: number[],
  h = 1e-5,
  floor = 1e-8,
): GradientCheckResult {
  const rows: Array<{ i: number; a: number; n: number; rel: number }> = [];
  for (const i of indices) {
    const keep = values[i];
    values[i] = keep + h;
    const lp = loss();
    values[i] = keep - h;
    const lm = loss();
    values[i] = keep;
    const n = (lp - lm) / (2 * h);
    rows.push({ i, a: analytic[i], n, rel: relativeError(analytic[i], n, floor) });
  }
  rows.sort((x, y) => y.rel - x.rel);
  return {
    tensor,
    checked: rows.length,
    worstRelError: rows.length === 0 ? 0 : rows[0].rel,
    worst: rows
      .slice(0, 3)
      .map(
        (r) =>
          `${tensor}[${r.i}]: ${r.a.toExponential(6)} vs ${r.n.toExponential(6)} (rel ${r.rel.toExponential(2)})`,
      ),
  };
}
