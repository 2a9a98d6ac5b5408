// Mean squared error over n values, forward and backward side by side.
import type { FloatArray } from './dims.js';

/** Returns mean((y − target)²) over the first n entries. */
export function mseForward(y: FloatArray, target: FloatArray, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = y[i] - target[i];
    s += d * d;
  }
  return s / n;
}

/**
 * Accumulates dy += dLoss · 2(y − target)/n and, when given, dTarget −= the same
 * (the target is an input too when the gradient with respect to the window is wanted).
 */
export function mseBackward(
  dy: FloatArray,
  dTarget: FloatArray | null,
  y: FloatArray,
  target: FloatArray,
  n: number,
  dLoss = 1,
): void {
  const k = (2 * dLoss) / n;
  for (let i = 0; i < n; i++) {
    const g = k * (y[i] - target[i]);
    dy[i] += g;
    if (dTarget !== null) dTarget[i] -= g;
  }
}
