// A floor under the normalizer's per-channel scale. The robust scale (IQR/1.349)
// collapses on a quantized channel that sits on one level most of the time
// (SKAB's flow rate: 32.0 with rare steps to 31 or 33), turning each step into
// hundreds of units; the channel's standard deviation bounds it from below, and
// optionally a fraction of the channel's level (a sensor's accuracy class).
import type { Normalizer } from '../../model/index.js';

/** `frames` (N, C) row-major, the frames the normalizer was fitted on. */
export function withScaleFloor(
  normalizer: Normalizer,
  frames: Float64Array,
  C: number,
  relativeFloor = 0,
): Normalizer {
  const N = frames.length / C;
  const scale = normalizer.scale.map((s, c) => {
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < N; i++) {
      const v = frames[i * C + c];
      sum += v;
      sumSq += v * v;
    }
    const mean = sum / N;
    const std = Math.sqrt(Math.max(sumSq / N - mean * mean, 0));
    return Math.max(std, s, relativeFloor * Math.abs(normalizer.center[c]));
  });
  return { center: normalizer.center.slice(), scale };
}
