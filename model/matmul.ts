// Row-major matrix kernels shared by every layer: the only places with O(n³) loops.
// Offsets instead of subarrays so per-step callers allocate nothing. Sums run in a JS double
// and are rounded once on store.
import type { FloatArray } from './dims.js';
import type { WasmKernels } from './wasm/kernels.js';

// SIMD kernels by the WebAssembly memory they work on (see wasm/arena.ts). A product runs in
// WebAssembly when all its operands are float32 views of one registered memory and its vector
// widths are multiples of 4; otherwise the loops below, which stay the reference, run.
const wasmByBuffer = new WeakMap<ArrayBufferLike, WasmKernels>();

export function registerWasmKernels(buffer: ArrayBufferLike, kernels: WasmKernels): void {
  wasmByBuffer.set(buffer, kernels);
}

/** The kernels when every array is a float32 view of one registered memory, else undefined. */
export function wasmKernelsFor(
  a: FloatArray,
  b: FloatArray,
  c: FloatArray,
  d: FloatArray,
  e: FloatArray = a,
  f: FloatArray = a,
): WasmKernels | undefined {
  // Fixed arity: this runs once per product and per step, so it must not allocate.
  if (a.BYTES_PER_ELEMENT !== 4) return undefined;
  const buf = a.buffer;
  const k = wasmByBuffer.get(buf);
  if (k === undefined) return undefined;
  return b.buffer === buf && c.buffer === buf && d.buffer === buf && e.buffer === buf && f.buffer === buf
    ? k
    : undefined;
}

function wasmFor(out: FloatArray, a: FloatArray, b: FloatArray): WasmKernels | undefined {
  if (out.BYTES_PER_ELEMENT !== 4) return undefined;
  const k = wasmByBuffer.get(out.buffer);
  return k !== undefined && a.buffer === out.buffer && b.buffer === out.buffer ? k : undefined;
}

/**
 * out[m, n] = (accumulate ? out[m, n] : 0) + bias[n] + Σ_k a[m, k] · w[n, k]
 * a: (M, K) at aOff, w: (N, K) at wOff (PyTorch weight layout), out: (M, N) at oOff.
 */
export function matmulBt(
  out: FloatArray,
  oOff: number,
  a: FloatArray,
  aOff: number,
  M: number,
  K: number,
  w: FloatArray,
  wOff: number,
  N: number,
  bias: FloatArray | null,
  accumulate: boolean,
  wT: FloatArray | null = null, // (K, N): w transposed, lets the SIMD kernel vectorize along N
): void {
  if (wT !== null && bias !== null && !accumulate && (N & 3) === 0) {
    const k = wasmKernelsFor(out, a, wT, bias);
    if (k !== undefined) {
      k.mmAcc(
        out.byteOffset + 4 * oOff,
        a.byteOffset + 4 * aOff,
        K,
        1,
        wT.byteOffset,
        M,
        K,
        N,
        bias.byteOffset,
      );
      return;
    }
  }
  const wasm = (K & 3) === 0 && (N & 3) === 0 ? wasmFor(out, a, w) : undefined;
  if (wasm !== undefined && (bias === null || bias.buffer === out.buffer)) {
    const bp = bias === null ? 0 : bias.byteOffset;
    wasm.mmBt(
      out.byteOffset + 4 * oOff,
      a.byteOffset + 4 * aOff,
      w.byteOffset + 4 * wOff,
      bp,
      M,
      K,
      N,
      accumulate ? 1 : 0,
    );
    return;
  }
  const N4 = N - (N % 4);
  for (let m = 0; m < M; m++) {
    const ar = aOff + m * K;
    const or = oOff + m * N;
    let n = 0;
    for (; n < N4; n += 4) {
      const w0 = wOff + n * K;
      const w1 = w0 + K;
      const w2 = w1 + K;
      const w3 = w2 + K;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < K; k++) {
        const av = a[ar + k];
        s0 += av * w[w0 + k];
        s1 += av * w[w1 + k];
        s2 += av * w[w2 + k];
        s3 += av * w[w3 + k];
      }
      if (bias !== null) {
        s0 += bias[n];
        s1 += bias[n + 1];
        s2 += bias[n + 2];
        s3 += bias[n + 3];
      }
      if (accumulate) {
        out[or + n] += s0;
        out[or + n + 1] += s1;
        out[or + n + 2] += s2;
        out[or + n + 3] += s3;
      } else {
        out[or + n] = s0;
        out[or + n + 1] = s1;
        out[or + n + 2] = s2;
        out[or + n + 3] = s3;
      }
    }
    for (; n < N; n++) {
      const w0 = wOff + n * K;
      let s = bias === null ? 0 : bias[n];
      for (let k = 0; k < K; k++) s += a[ar + k] * w[w0 + k];
      if (accumulate) out[or + n] += s;
      else out[or + n] = s;
    }
  }
}

/**
 * out[m, k] += Σ_n a[m, n] · w[n, k]   (the input gradient of matmulBt: dX += dY · W)
 * a: (M, N) at aOff, w: (N, K) at wOff, out: (M, K) at oOff.
 * Four outputs are summed in registers at a time so the inner loop only loads.
 */
export function matmulAddAB(
  out: FloatArray,
  oOff: number,
  a: FloatArray,
  aOff: number,
  M: number,
  N: number,
  w: FloatArray,
  wOff: number,
  K: number,
): void {
  const wasm = (K & 3) === 0 ? wasmFor(out, a, w) : undefined;
  if (wasm !== undefined) {
    wasm.mmAcc(out.byteOffset + 4 * oOff, a.byteOffset + 4 * aOff, N, 1, w.byteOffset + 4 * wOff, M, N, K, 0);
    return;
  }
  const K4 = K - (K % 4);
  for (let m = 0; m < M; m++) {
    const ar = aOff + m * N;
    const or = oOff + m * K;
    let k = 0;
    for (; k < K4; k += 4) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let n = 0; n < N; n++) {
        const av = a[ar + n];
        const wr = wOff + n * K + k;
        s0 += av * w[wr];
        s1 += av * w[wr + 1];
        s2 += av * w[wr + 2];
        s3 += av * w[wr + 3];
      }
      out[or + k] += s0;
      out[or + k + 1] += s1;
      out[or + k + 2] += s2;
      out[or + k + 3] += s3;
    }
    for (; k < K; k++) {
      let s = 0;
      for (let n = 0; n < N; n++) s += a[ar + n] * w[wOff + n * K + k];
      out[or + k] += s;
    }
  }
}

// Rows of a and x are visited in blocks that stay in the L1 cache while each output entry is summed
// in a register; the output is written once per block instead of once per row.
const ROW_BLOCK = 64;

/**
 * out[n, k] += Σ_m a[m, n] · x[m, k]   (the weight gradient of matmulBt: dW += dYᵀ · X)
 * a: (M, N) at aOff, x: (M, K) at xOff, out: (N, K) at oOff.
 */
export function matmulAddAtB(
  out: FloatArray,
  oOff: number,
  a: FloatArray,
  aOff: number,
  M: number,
  N: number,
  x: FloatArray,
  xOff: number,
  K: number,
): void {
  const wasm = (K & 3) === 0 ? wasmFor(out, a, x) : undefined;
  if (wasm !== undefined) {
    // Output row n sums over the M rows: a(n, m) = a[m·N + n]. Chunks of rows keep their part of x
    // in the L1 cache while every output row passes over it.
    for (let m0 = 0; m0 < M; m0 += ROW_BLOCK) {
      const rows = Math.min(ROW_BLOCK, M - m0);
      wasm.mmAcc(
        out.byteOffset + 4 * oOff,
        a.byteOffset + 4 * (aOff + m0 * N),
        1,
        N,
        x.byteOffset + 4 * (xOff + m0 * K),
        N,
        rows,
        K,
        0,
      );
    }
    return;
  }
  const N4 = N - (N % 4);
  for (let m0 = 0; m0 < M; m0 += ROW_BLOCK) {
    const m1 = Math.min(M, m0 + ROW_BLOCK);
    let n = 0;
    for (; n < N4; n += 4) {
      const o0 = oOff + n * K;
      for (let k = 0; k < K; k++) {
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let m = m0; m < m1; m++) {
          const xv = x[xOff + m * K + k];
          const ar = aOff + m * N + n;
          s0 += a[ar] * xv;
          s1 += a[ar + 1] * xv;
          s2 += a[ar + 2] * xv;
          s3 += a[ar + 3] * xv;
        }
        out[o0 + k] += s0;
        out[o0 + K + k] += s1;
        out[o0 + 2 * K + k] += s2;
        out[o0 + 3 * K + k] += s3;
      }
    }
    for (; n < N; n++) {
      for (let k = 0; k < K; k++) {
        let s = 0;
        for (let m = m0; m < m1; m++) s += a[aOff + m * N + n] * x[xOff + m * K + k];
        out[oOff + n * K + k] += s;
      }
    }
  }
}

/** out[n] += Σ_m a[m, n]   (the bias gradient). a: (M, N) at aOff. */
export function addColumnSums(out: FloatArray, a: FloatArray, aOff: number, M: number, N: number): void {
  for (let m = 0; m < M; m++) {
    const ar = aOff + m * N;
    for (let n = 0; n < N; n++) out[n] += a[ar + n];
  }
}
