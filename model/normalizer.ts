// Per-channel robust scaling fitted on training frames: center = median, scale = IQR / 1.349
// (the standard deviation of a normal with that IQR), so outliers barely move it. When the IQR is 0
// at least half the values equal the median (MAD is 0 too): the scale is then 1, never a division by 0.
import { PipelineError } from '../core/errors.js';

export interface Normalizer {
  /** Per channel, subtracted first. */
  center: number[];
  /** Per channel, divided by second; always finite and > 0. */
  scale: number[];
}

/** Fits on frames (N, C) row-major; non-finite values are ignored. */
export function fitNormalizer(frames: ArrayLike<number>, C: number): Normalizer {
  if (!Number.isInteger(C) || C < 1 || frames.length % C !== 0) {
    throw new PipelineError(
      'MODEL_SHAPE_MISMATCH',
      `fitNormalizer: frames has ${frames.length} values, not a whole number of frames of C=${C} channels`,
      { details: { field: 'frames', length: frames.length, C } },
    );
  }
  const N = frames.length / C;
  const center: number[] = [];
  const scale: number[] = [];
  const column = new Float64Array(N);
  for (let c = 0; c < C; c++) {
    let n = 0;
    for (let i = 0; i < N; i++) {
      const v = frames[i * C + c];
      if (Number.isFinite(v)) column[n++] = v;
    }
    if (n === 0) {
      center.push(0);
      scale.push(1);
      continue;
    }
    const sorted = column.subarray(0, n).sort();
    const med = quantileSorted(sorted, 0.5);
    let s = (quantileSorted(sorted, 0.75) - quantileSorted(sorted, 0.25)) / 1.349;
    if (!(s > 1e-12) || !Number.isFinite(s)) s = 1;
    center.push(med);
    scale.push(s);
  }
  return { center, scale };
}

/** Linear interpolation between order statistics (numpy's default). */
function quantileSorted(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** out[i] = (raw[i] − center[c]) / scale[c] for rows of C channels; out may be raw. */
export function normalizeInto(out: Float32Array | Float64Array, raw: ArrayLike<number>, n: Normalizer): void {
  const C = n.center.length;
  for (let i = 0; i < raw.length; i++) {
    const c = i % C;
    out[i] = (raw[i] - n.center[c]) / n.scale[c];
  }
}
