// Linear layer y = x Wᵀ + b (PyTorch nn.Linear layout, W: (N, K)); forward and backward side by side.
import type { FloatArray } from './dims.js';
import { addColumnSums, matmulAddAB, matmulAddAtB, matmulBt } from './matmul.js';

/** y (M, N) at yOff = x (M, K) at xOff · wᵀ + b. */
export function linearForward(
  y: FloatArray,
  yOff: number,
  x: FloatArray,
  xOff: number,
  w: FloatArray, // (N, K)
  b: FloatArray, // (N)
  M: number,
  K: number,
  N: number,
  wT: FloatArray | null = null, // (K, N) transposed copy of w, for the SIMD kernels
): void {
  matmulBt(y, yOff, x, xOff, M, K, w, 0, N, b, false, wT);
}

/** Accumulates dW (N, K), dB (N) and, when dx is given, dx (M, K) at dxOff, from dy (M, N). */
export function linearBackward(
  dx: FloatArray | null,
  dxOff: number,
  dW: FloatArray,
  dB: FloatArray,
  dy: FloatArray,
  dyOff: number,
  x: FloatArray,
  xOff: number,
  w: FloatArray,
  M: number,
  K: number,
  N: number,
): void {
  matmulAddAtB(dW, 0, dy, dyOff, M, N, x, xOff, K);
  addColumnSums(dB, dy, dyOff, M, N);
  if (dx !== null) matmulAddAB(dx, dxOff, dy, dyOff, M, N, w, 0, K);
}
