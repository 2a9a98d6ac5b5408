// Per-channel robust scaling fitted on training frames: center = median, scale = IQR / 1.349
// (the standard deviation of a normal with that IQR), so outliers barely move it. When the IQR is 0
// at least half the values equal the median (MAD is 0 too): the scale is then 1, never a division by 0.
// Optional floors keep the scale from collapsing on quantized or slow channels (see `NormalizerFloors`).
import { PipelineError } from '../core/errors.js';
import { quantileOfSorted } from '../core/quantile.js';

export interface Normalizer {
  /** Per channel, subtracted first. */
  center: number[];
  /** Per channel, divided by second; always finite and > 0. */
  scale: number[];
}

/**
 * Lower bounds on each channel's scale. The robust scale collapses on a quantized channel that sits
 * on one level most of the time (a flow rate at 32.0 with rare steps to 31 or 33 has an IQR of
 * almost 0, turning each step into hundreds of units): the standard deviation bounds it from below.
 * A short training stretch also underestimates how far a slow channel (a temperature) wanders in
 * normal operation: a fraction of the channel's level, of the order of a sensor's accuracy class,
 * bounds it too.
 */
export interface NormalizerFloors {
  /** Scale at least the channel's (population) standard deviation over the finite values. */
  stdFloor?: boolean;
  /** Scale at least this fraction of |center| (the channel's median magnitude); 0 disables it. */
  relativeScaleFloor?: number;
}

/** Fits on frames (N, C) row-major; non-finite values are ignored. */
export function fitNormalizer(
  frames: ArrayLike<number>,
  C: number,
  floors: NormalizerFloors = {},
): Normalizer {
  if (!Number.isInteger(C) || C < 1 || frames.length % C !== 0) {
    throw new PipelineError(
      'MODEL_SHAPE_MISMATCH',
      `fitNormalizer: frames has ${frames.length} values, not a whole number of frames of C=${C} channels`,
      { details: { field: 'frames', length: frames.length, C } },
    );
  }
  const relativeFloor = floors.relativeScaleFloor ?? 0;
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
    const values = column.subarray(0, n);
    const std = floors.stdFloor === true ? populationStd(values) : 0;
    const sorted = values.sort();
    const med = quantileOfSorted(sorted, 0.5);
    let s = (quantileOfSorted(sorted, 0.75) - quantileOfSorted(sorted, 0.25)) / 1.349;
    if (!(s > 1e-12) || !Number.isFinite(s)) s = 1;
    center.push(med);
    scale.push(Math.max(s, std, relativeFloor * Math.abs(med)));
  }
  return { center, scale };
}

function populationStd(values: Float64Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let sumSq = 0;
  for (const v of values) sumSq += (v - mean) * (v - mean);
  return Math.sqrt(sumSq / values.length);
}

/** out[i] = (raw[i] − center[c]) / scale[c] for rows of C channels; out may be raw. */
export function normalizeInto(out: Float32Array | Float64Array, raw: ArrayLike<number>, n: Normalizer): void {
  const C = n.center.length;
  for (let i = 0; i < raw.length; i++) {
    const c = i % C;
    out[i] = (raw[i] - n.center[c]) / n.scale[c];
  }
}
