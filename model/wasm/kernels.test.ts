// The SIMD kernels must agree with the reference loops of matmul.ts (the float32 sums differ only
// in rounding order), for every shape the model uses and for the fallbacks when widths are odd.
import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng.js';
import type { FloatArray } from '../dims.js';
import { gruCellBackward, gruCellForward } from '../gru-cell.js';
import { gruLayerForward } from '../gru-layer.js';
import { matmulAddAB, matmulAddAtB, matmulBt } from '../matmul.js';
import { createWasmArena } from './arena.js';

function maxRelDiff(a: FloatArray, b: FloatArray): number {
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale);
  return worst;
}

function setup(sizes: number[], seed: number) {
  const arena = createWasmArena(sizes.reduce((x, y) => x + y, 0));
  if (arena === null) throw new Error('WebAssembly SIMD is not available in this Node');
  const rng = createRng(seed, { algorithm: 'xoshiro128**' });
  const inArena = sizes.map((n) => arena.alloc(n));
  for (const v of inArena) for (let i = 0; i < v.length; i++) v[i] = rng.uniform(-1, 1);
  const plain = inArena.map((v) => v.slice());
  return { inArena, plain };
}

describe('WebAssembly SIMD matrix kernels', () => {
  const shapes: Array<[number, number, number]> = [
    [1, 32, 96],
    [7, 8, 96],
    [64, 64, 192],
    [33, 52, 8],
    [5, 12, 52],
    [4, 6, 8], // K not a multiple of 4: falls back to the loops
    [3, 8, 10], // N not a multiple of 4: falls back to the loops
  ];
  for (const [M, K, N] of shapes) {
    it(`agree with the reference loops for M=${M} K=${K} N=${N}`, () => {
      // matmulBt (bias, accumulate), matmulAddAB, matmulAddAtB
      const { inArena: w1, plain: p1 } = setup([M * N, M * K, N * K, N], M * 1000 + K * 10 + N);
      matmulBt(w1[0], 0, w1[1], 0, M, K, w1[2], 0, N, w1[3], true);
      matmulBt(p1[0], 0, p1[1], 0, M, K, p1[2], 0, N, p1[3], true);
      expect(maxRelDiff(w1[0], p1[0])).toBeLessThan(1e-6);
      const { inArena: w2, plain: p2 } = setup([M * K, M * N, N * K], 7 + M);
      matmulAddAB(w2[0], 0, w2[1], 0, M, N, w2[2], 0, K);
      matmulAddAB(p2[0], 0, p2[1], 0, M, N, p2[2], 0, K);
      expect(maxRelDiff(w2[0], p2[0])).toBeLessThan(1e-6);
      const { inArena: w3, plain: p3 } = setup([N * K, M * N, M * K], 9 + N);
      matmulAddAtB(w3[0], 0, w3[1], 0, M, N, w3[2], 0, K);
      matmulAddAtB(p3[0], 0, p3[1], 0, M, N, p3[2], 0, K);
      expect(maxRelDiff(w3[0], p3[0])).toBeLessThan(1e-6);
    });
  }

  for (const [M, K, N] of [
    [1, 32, 96],
    [9, 8, 192],
    [64, 64, 192],
    [5, 64, 52],
  ] as const) {
    it(`matmulBt with transposed weights (column-blocked kernel) agrees, M=${M} K=${K} N=${N}`, () => {
      const { inArena: w, plain: p } = setup([M * N, M * K, N * K, N, K * N], M + K + N);
      for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) w[4][k * N + n] = w[2][n * K + k];
      matmulBt(w[0], 0, w[1], 0, M, K, w[2], 0, N, w[3], false, w[4]);
      matmulBt(p[0], 0, p[1], 0, M, K, p[2], 0, N, p[3], false);
      expect(maxRelDiff(w[0], p[0])).toBeLessThan(1e-6);
    });
  }

  it('actually runs in WebAssembly for aligned shapes (results differ from the loops in the last bits)', () => {
    const [M, K, N] = [64, 64, 192];
    const { inArena, plain } = setup([M * N, M * K, N * K], 3);
    matmulBt(inArena[0], 0, inArena[1], 0, M, K, inArena[2], 0, N, null, false);
    matmulBt(plain[0], 0, plain[1], 0, M, K, plain[2], 0, N, null, false);
    expect(
      Buffer.from(inArena[0].buffer, inArena[0].byteOffset, inArena[0].byteLength).equals(
        Buffer.from(plain[0].buffer),
      ),
    ).toBe(false);
  });

  for (const [B, H] of [
    [1, 32],
    [5, 64],
    [3, 6], // H not a multiple of 4: falls back to the loops
  ]) {
    it(`GRU step (vector exp, sigmoid, tanh) agrees with the reference within 2e-6, B=${B} H=${H}`, () => {
      // hOut, cache, gi, hPrev, wHh, bHh, gh; inputs spread wide so the gates saturate too.
      const { inArena: w, plain: p } = setup(
        [B * H, B * 4 * H, B * 3 * H, B * H, 3 * H * H, 3 * H, B * 3 * H],
        B * 100 + H,
      );
      for (const arr of [w, p]) for (let i = 0; i < arr[2].length; i++) arr[2][i] *= 12;
      gruCellForward(w[0], 0, w[1], 0, w[2], 0, w[3], 0, w[4], w[5], w[6], B, H);
      gruCellForward(p[0], 0, p[1], 0, p[2], 0, p[3], 0, p[4], p[5], p[6], B, H);
      let worst = 0;
      for (const k of [0, 1])
        for (let i = 0; i < p[k].length; i++) worst = Math.max(worst, Math.abs(w[k][i] - p[k][i]));
      expect(worst).toBeLessThan(2e-6);
      expect(worst > 0).toBe(H % 4 === 0);
    });
  }

  it('GRU step backward agrees with the reference within 1e-6 relative to the largest gradient', () => {
    const [B, H] = [3, 32];
    // dgi, dgh, dhPrev, dh, cache (r, z in (0,1), n in (−1,1)), hPrev, wHh
    const { inArena: w, plain: p } = setup(
      [B * 3 * H, B * 3 * H, B * H, B * H, B * 4 * H, B * H, 3 * H * H],
      77,
    );
    for (const arr of [w, p]) {
      for (let i = 0; i < arr[4].length; i++)
        if (Math.floor(i / H) % 4 < 2) arr[4][i] = 0.5 + 0.5 * arr[4][i];
    }
    gruCellBackward(w[0], 0, w[1], 0, w[2], w[3], w[4], 0, w[5], 0, w[6], B, H);
    gruCellBackward(p[0], 0, p[1], 0, p[2], p[3], p[4], 0, p[5], 0, p[6], B, H);
    for (const k of [0, 1, 2]) expect(maxRelDiff(w[k], p[k])).toBeLessThan(1e-6);
  });

  for (const [B, T, keep, shift] of [
    [1, 7, false, 0],
    [3, 5, true, 0],
    [2, 6, true, 'none'],
    [2, 4, false, 'none'],
  ] as const) {
    it(`a layer's recurrence in one call equals the step-by-step kernels bit for bit, B=${B} T=${T} keep=${keep} shift=${shift}`, () => {
      const [C, H] = [8, 12];
      const H3 = 3 * H;
      const giRows = shift === 'none' && !keep ? B : T * B;
      // hs, gates, gi, gh, wIh, wHh, bIh, bHh, wIhT, wHhT, x; then the same for the step-by-step run.
      const sizes = [
        (T + 1) * B * H,
        (keep ? T : 1) * B * 4 * H,
        giRows * H3,
        B * H3,
        H3 * C,
        H3 * H,
        H3,
        H3,
        C * H3,
        H * H3,
        T * B * C,
      ];
      const { inArena: a } = setup([...sizes, ...sizes], 4242 + B * 10 + T);
      const [fused, steps] = [a.slice(0, sizes.length), a.slice(sizes.length)];
      for (let i = 0; i < sizes.length; i++) steps[i]!.set(fused[i]!);
      const [hs, gates, gi, gh, wIh, wHh, bIh, bHh, wIhT, wHhT, x] = fused as Float32Array[];
      for (let n = 0; n < H3; n++) {
        for (let k = 0; k < C; k++) wIhT![k * H3 + n] = wIh![n * C + k]!;
        for (let k = 0; k < H; k++) wHhT![k * H3 + n] = wHh![n * H + k]!;
      }
      for (const i of [8, 9]) steps[i]!.set(fused[i]!);
      gruLayerForward(
        { hs: hs!, gates: gates!, gi: gi!, gh: gh! },
        x!,
        shift,
        { wIh: wIh!, wHh: wHh!, bIh: bIh!, bHh: bHh! },
        { T, B, C, H },
        keep,
        { wIhT: wIhT!, wHhT: wHhT! },
      );
      // The reference: the same input projection, then one gruCellForward per step.
      const [sHs, sGates, sGi, sGh, sWIh, sWHh, sBIh, sBHh, sWIhT, sWHhT, sX] = steps as Float32Array[];
      if (shift === 'none') for (let r = 0; r < giRows; r++) sGi!.set(sBIh!, r * H3);
      else matmulBt(sGi!, 0, sX!, 0, T * B, C, sWIh!, 0, H3, sBIh!, false, sWIhT!);
      for (let t = 0; t < T; t++) {
        const giOff = giRows === B ? 0 : t * B * H3;
        const cOff = keep ? t * B * 4 * H : 0;
        gruCellForward(
          sHs!,
          (t + 1) * B * H,
          sGates!,
          cOff,
          sGi!,
          giOff,
          sHs!,
          t * B * H,
          sWHh!,
          sBHh!,
          sGh!,
          B,
          H,
          sWHhT!,
        );
      }
      expect(Array.from(hs!)).toEqual(Array.from(sHs!));
      expect(Array.from(gates!)).toEqual(Array.from(sGates!));
    });
  }
});
