// A GRU layer over T steps (time-major), forward and backpropagation through time side by side.
// The input projection W_ih x + b_ih and the parameter gradients are computed for all steps in one
// matrix product each; only the recurrence is stepped.
import type { FloatArray } from './dims.js';
import { gruCellBackward, gruCellForward } from './gru-cell.js';
import { addColumnSums, matmulAddAB, matmulAddAtB, matmulBt, wasmKernelsFor } from './matmul.js';
import type { GruViews } from './params.js';

/**
 * How the layer reads its input x (T, B, C):
 * 0 → step t reads x[t]; 1 → step t reads x[t − 1] and zeros at t = 0 (teacher forcing);
 * 'none' → every input is zero (the layer is driven by its initial state only).
 */
export type InputShift = 0 | 1 | 'none';

export interface GruLayerBuffers<A extends FloatArray = FloatArray> {
  hs: A; // (T + 1, B, H): hs[0] is the initial state, hs[t + 1] the state after step t
  gates: A; // (T, B, 4H) when kept for backward, else (B, 4H) reused each step
  gi: A; // (T, B, 3H) input projections of all steps, or (B, 3H) for the current step only
  gh: A; // (B, 3H) scratch
}

export interface GruBackwardBuffers<A extends FloatArray = FloatArray> {
  dgi: A; // (T, B, 3H)
  dgh: A; // (T, B, 3H)
  dhA: A; // (B, H)
  dhB: A; // (B, H)
}

/** Transposed copies of the weights, kept by a workspace in a WebAssembly arena. */
export interface GruTransposed<A extends FloatArray = FloatArray> {
  wIhT: A; // (C, 3H)
  wHhT: A; // (H, 3H)
}

export interface LayerShape {
  T: number;
  B: number;
  C: number;
  H: number;
}

/** Runs the layer from hs[0] (filled by the caller); fills hs[1..T] and, when keepGates, gates. */
export function gruLayerForward(
  buf: GruLayerBuffers,
  x: FloatArray | null, // (T, B, C)
  shift: InputShift,
  p: GruViews,
  s: LayerShape,
  keepGates: boolean,
  tw: GruTransposed | null = null,
): void {
  const { T, B, C, H } = s;
  const H3 = 3 * H;
  const { gi, hs, gates, gh } = buf;
  const zeroInput = shift === 'none' || x === null;
  const wIhT = tw?.wIhT ?? null;
  // When gi holds all T steps (small batches) the input projection is one product over T·B rows,
  // which reuses each weight load T times; when it holds one (B, 3H) block (large batches) it is
  // computed step by step, so the block stays in cache while B rows still fill the kernel.
  const allSteps = gi.length >= T * B * H3;
  if (zeroInput) {
    const rows = allSteps ? T * B : B;
    for (let row = 0; row < rows; row++) gi.set(p.bIh, row * H3);
  } else if (allSteps) {
    if (shift === 0) matmulBt(gi, 0, x, 0, T * B, C, p.wIh, 0, H3, p.bIh, false, wIhT);
    else {
      for (let row = 0; row < B; row++) gi.set(p.bIh, row * H3);
      matmulBt(gi, B * H3, x, 0, (T - 1) * B, C, p.wIh, 0, H3, p.bIh, false, wIhT);
    }
  }
  const BH = B * H;
  // With the whole input projection in gi (or none needed), the recurrence runs in WebAssembly in
  // one call: the same kernels in the same order as the loop below, without a crossing per step.
  const wHhT = tw?.wHhT ?? null;
  if ((allSteps || zeroInput) && wHhT !== null && (H & 3) === 0) {
    const wasm = wasmKernelsFor(hs, gates, gi, gh, wHhT, p.bHh);
    if (wasm !== undefined) {
      wasm.gruSeq(
        hs.byteOffset,
        gates.byteOffset,
        keepGates ? 4 * B * 4 * H : 0,
        gi.byteOffset,
        allSteps ? 4 * B * H3 : 0,
        wHhT.byteOffset,
        p.bHh.byteOffset,
        gh.byteOffset,
        B,
        H,
        T,
      );
      return;
    }
  }
  for (let t = 0; t < T; t++) {
    if (!zeroInput && !allSteps) {
      const src = t - (shift === 1 ? 1 : 0);
      if (src < 0) for (let row = 0; row < B; row++) gi.set(p.bIh, row * H3);
      else matmulBt(gi, 0, x, src * B * C, B, C, p.wIh, 0, H3, p.bIh, false, wIhT);
    }
    const giOff = allSteps ? t * B * H3 : 0;
    const cOff = keepGates ? t * B * 4 * H : 0;
    gruCellForward(
      hs,
      (t + 1) * BH,
      gates,
      cOff,
      gi,
      giOff,
      hs,
      t * BH,
      p.wHh,
      p.bHh,
      gh,
      B,
      H,
      tw?.wHhT ?? null,
    );
  }
}

/**
 * Backpropagation through time. Accumulates into g (parameter gradients), dx (T, B, C) when given,
 * and dh0 (B, H) when given. dOut (T, B, H) is ∂L/∂hs[1..T] from above (or null), dhLast (B, H) an
 * extra ∂L/∂hs[T] (or null). With truncateSteps k > 0 the recurrent gradient is cut at every k-th
 * step boundary counted from the start (truncated BPTT); 0 means full BPTT.
 */
export function gruLayerBackward(
  g: GruViews,
  dx: FloatArray | null,
  dh0: FloatArray | null,
  dOut: FloatArray | null,
  dhLast: FloatArray | null,
  buf: GruLayerBuffers,
  work: GruBackwardBuffers,
  x: FloatArray | null,
  shift: InputShift,
  p: GruViews,
  s: LayerShape,
  truncateSteps: number,
): void {
  const { T, B, C, H } = s;
  const H3 = 3 * H;
  const BH = B * H;
  const { dgi, dgh } = work;
  let dh = work.dhA;
  let dhNext = work.dhB;
  if (dhLast !== null) dh.set(dhLast.subarray(0, BH));
  else dh.fill(0, 0, BH);
  for (let t = T - 1; t >= 0; t--) {
    if (dOut !== null) {
      const o = t * BH;
      for (let i = 0; i < BH; i++) dh[i] += dOut[o + i];
    }
    gruCellBackward(
      dgi,
      t * B * H3,
      dgh,
      t * B * H3,
      dhNext,
      dh,
      buf.gates,
      t * B * 4 * H,
      buf.hs,
      t * BH,
      p.wHh,
      B,
      H,
    );
    const tmp = dh;
    dh = dhNext;
    dhNext = tmp;
    if (truncateSteps > 0 && t > 0 && t % truncateSteps === 0) dh.fill(0, 0, BH);
  }
  if (dh0 !== null) for (let i = 0; i < BH; i++) dh0[i] += dh[i];
  // Parameter gradients over all T·B rows at once.
  matmulAddAtB(g.wHh, 0, dgh, 0, T * B, H3, buf.hs, 0, H);
  addColumnSums(g.bHh, dgh, 0, T * B, H3);
  addColumnSums(g.bIh, dgi, 0, T * B, H3);
  if (shift === 'none' || x === null) return;
  if (shift === 0) {
    matmulAddAtB(g.wIh, 0, dgi, 0, T * B, H3, x, 0, C);
    if (dx !== null) matmulAddAB(dx, 0, dgi, 0, T * B, H3, p.wIh, 0, C);
  } else {
    matmulAddAtB(g.wIh, 0, dgi, B * H3, (T - 1) * B, H3, x, 0, C);
    if (dx !== null) matmulAddAB(dx, 0, dgi, B * H3, (T - 1) * B, H3, p.wIh, 0, C);
  }
}
