// WebAssembly SIMD (128-bit) bodies of the GRU step's elementwise work (gru-cell.ts), four hidden
// units at a time, with a vector exp (Cephes expf) for σ and tanh.
import { type FunctionBody, I32, op, V128 } from './wasm-encoding.js';

const { get, set, i32 } = op;

/**
 * exp of the vector on the stack, left on the stack (Cephes expf: range reduction by ln 2 in two
 * parts, degree-5 minimax polynomial, 2ⁿ built in the exponent bits; about 1 ulp). Uses locals t, nf.
 */
// biome-ignore format: instruction sequences read best as written, a few per line
function expV(t: number, nf: number): number[] {
  const c = op.f32x4Const;
  return [
    ...c(-87.3), ...op.f32x4Max, ...c(88.3), ...op.f32x4Min, ...set(t),
    ...get(t), ...c(Math.LOG2E), ...op.f32x4Mul, ...op.f32x4Nearest, ...set(nf),
    // r = x − n·ln2_hi − n·ln2_lo
    ...get(t), ...get(nf), ...c(0.693359375), ...op.f32x4Mul, ...op.f32x4Sub,
    ...get(nf), ...c(-2.12194440e-4), ...op.f32x4Mul, ...op.f32x4Sub, ...set(t),
    // p = ((((c5 r + c4) r + c3) r + c2) r + c1) r + c0) r² + r + 1
    ...c(1.9875691500e-4), ...get(t), ...op.f32x4Mul, ...c(1.3981999507e-3), ...op.f32x4Add,
    ...get(t), ...op.f32x4Mul, ...c(8.3334519073e-3), ...op.f32x4Add,
    ...get(t), ...op.f32x4Mul, ...c(4.1665795894e-2), ...op.f32x4Add,
    ...get(t), ...op.f32x4Mul, ...c(1.6666665459e-1), ...op.f32x4Add,
    ...get(t), ...op.f32x4Mul, ...c(5.0000001201e-1), ...op.f32x4Add,
    ...get(t), ...op.f32x4Mul, ...get(t), ...op.f32x4Mul,
    ...get(t), ...op.f32x4Add, ...c(1), ...op.f32x4Add,
    // × 2ⁿ: (n + 127) << 23 reinterpreted as float32. n is an integer in [−126, 128], so the low bits
    // of n + 1.5·2²³ hold n exactly, and shifting them by 23 drops the rest: cheaper than a
    // saturating float → int conversion, with the same bits.
    ...get(nf), ...c(12582912), ...op.f32x4Add, ...i32(23), ...op.i32x4Shl, ...op.i32x4Const(127 << 23), ...op.i32x4Add,
    ...op.f32x4Mul,
  ];
}

/** σ(v) = 1 / (1 + e^(−v)) of the vector on the stack. */
// biome-ignore format: instruction sequences read best as written, a few per line
function sigmoidV(t: number, nf: number): number[] {
  return [...op.f32x4Const(-1), ...op.f32x4Mul, ...expV(t, nf), ...op.f32x4Const(1), ...op.f32x4Add, ...set(t), ...op.f32x4Const(1), ...get(t), ...op.f32x4Div];
}

/**
 * One GRU step for B rows (gru-cell.ts gruCellForward after its gh product), four hidden units at a
 * time: hOut (B, H), cache (B, 4H) = r | z | n | ghn, gi and gh (B, 3H), hPrev (B, H); H a multiple of 4.
 */
// biome-ignore format: instruction sequences read best as written, a few per line
export function gruCellBody(): FunctionBody {
  const [hOut, cache, gi, hPrev, gh, B, H] = [0, 1, 2, 3, 4, 5, 6];
  const [b, jb, Hb, giB, ghB, cB, hB, hpB] = [7, 8, 9, 10, 11, 12, 13, 14];
  const [t, nf, r, z, n, ghn] = [15, 16, 17, 18, 19, 20];
  const at = (base: number, gate: number) => [...get(base), ...get(jb), ...op.i32Add, ...(gate === 0 ? [] : [...get(Hb), ...i32(gate), ...op.i32Mul, ...op.i32Add])];
  const code = [
    ...get(H), ...i32(2), ...op.i32Shl, ...set(Hb),
    ...i32(0), ...set(b),
    ...op.block, ...op.loop,
    ...get(b), ...get(B), ...op.i32GeS, ...op.brIf(1),
    ...get(gi), ...get(b), ...get(Hb), ...op.i32Mul, ...i32(3), ...op.i32Mul, ...op.i32Add, ...set(giB),
    ...get(gh), ...get(b), ...get(Hb), ...op.i32Mul, ...i32(3), ...op.i32Mul, ...op.i32Add, ...set(ghB),
    ...get(cache), ...get(b), ...get(Hb), ...op.i32Mul, ...i32(4), ...op.i32Mul, ...op.i32Add, ...set(cB),
    ...get(hOut), ...get(b), ...get(Hb), ...op.i32Mul, ...op.i32Add, ...set(hB),
    ...get(hPrev), ...get(b), ...get(Hb), ...op.i32Mul, ...op.i32Add, ...set(hpB),
    ...i32(0), ...set(jb),
    ...op.block, ...op.loop,
    ...get(jb), ...get(Hb), ...op.i32GeS, ...op.brIf(1),
    ...at(giB, 0), ...op.v128Load(), ...at(ghB, 0), ...op.v128Load(), ...op.f32x4Add, ...sigmoidV(t, nf), ...set(r),
    ...at(giB, 1), ...op.v128Load(), ...at(ghB, 1), ...op.v128Load(), ...op.f32x4Add, ...sigmoidV(t, nf), ...set(z),
    ...at(ghB, 2), ...op.v128Load(), ...set(ghn),
    // n = tanh(a) = 2σ(2a) − 1 with a = gi_n + r ⊙ ghn
    ...at(giB, 2), ...op.v128Load(), ...get(r), ...get(ghn), ...op.f32x4Mul, ...op.f32x4Add,
    ...op.f32x4Const(2), ...op.f32x4Mul, ...sigmoidV(t, nf), ...op.f32x4Const(2), ...op.f32x4Mul, ...op.f32x4Const(1), ...op.f32x4Sub, ...set(n),
    // h' = n + z ⊙ (h − n)
    ...at(hB, 0), ...get(n), ...get(z), ...at(hpB, 0), ...op.v128Load(), ...get(n), ...op.f32x4Sub, ...op.f32x4Mul, ...op.f32x4Add, ...op.v128Store(),
    ...at(cB, 0), ...get(r), ...op.v128Store(),
    ...at(cB, 1), ...get(z), ...op.v128Store(),
    ...at(cB, 2), ...get(n), ...op.v128Store(),
    ...at(cB, 3), ...get(ghn), ...op.v128Store(),
    ...get(jb), ...i32(16), ...op.i32Add, ...set(jb),
    ...op.br(0), ...op.end, ...op.end,
    ...get(b), ...i32(1), ...op.i32Add, ...set(b),
    ...op.br(0), ...op.end, ...op.end,
  ];
  return { exportName: 'gruCell', paramCount: 7, locals: [[8, I32], [6, V128]], code };
}

/**
 * The elementwise part of gruCellBackward for B rows, four hidden units at a time: from dh (B, H) and
 * the cache, writes dgi and dgh (B, 3H) and overwrites dhPrev (B, H) with dh ⊙ z.
 */
// biome-ignore format: instruction sequences read best as written, a few per line
export function gruCellBackBody(): FunctionBody {
  const [dgi, dgh, dhPrev, dh, cache, hPrev, B, H] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [b, jb, Hb, gB, hB, cB, dB, hpB] = [8, 9, 10, 11, 12, 13, 14, 15];
  const [r, z, n, ghn, g, dan, daz, dar] = [16, 17, 18, 19, 20, 21, 22, 23];
  const at = (base: number, gate: number) => [...get(base), ...get(jb), ...op.i32Add, ...(gate === 0 ? [] : [...get(Hb), ...i32(gate), ...op.i32Mul, ...op.i32Add])];
  const one = op.f32x4Const(1);
  const code = [
    ...get(H), ...i32(2), ...op.i32Shl, ...set(Hb),
    ...i32(0), ...set(b),
    ...op.block, ...op.loop,
    ...get(b), ...get(B), ...op.i32GeS, ...op.brIf(1),
    ...get(dgi), ...get(b), ...get(Hb), ...op.i32Mul, ...i32(3), ...op.i32Mul, ...op.i32Add, ...set(gB),
    ...get(dgh), ...get(b), ...get(Hb), ...op.i32Mul, ...i32(3), ...op.i32Mul, ...op.i32Add, ...set(hB),
    ...get(cache), ...get(b), ...get(Hb), ...op.i32Mul, ...i32(4), ...op.i32Mul, ...op.i32Add, ...set(cB),
    ...get(b), ...get(Hb), ...op.i32Mul, ...set(dB),
    ...get(hPrev), ...get(dB), ...op.i32Add, ...set(hpB),
    ...i32(0), ...set(jb),
    ...op.block, ...op.loop,
    ...get(jb), ...get(Hb), ...op.i32GeS, ...op.brIf(1),
    ...at(cB, 0), ...op.v128Load(), ...set(r),
    ...at(cB, 1), ...op.v128Load(), ...set(z),
    ...at(cB, 2), ...op.v128Load(), ...set(n),
    ...at(cB, 3), ...op.v128Load(), ...set(ghn),
    ...get(dh), ...get(dB), ...op.i32Add, ...get(jb), ...op.i32Add, ...op.v128Load(), ...set(g),
    // dan = g (1 − z)(1 − n²)
    ...get(g), ...one, ...get(z), ...op.f32x4Sub, ...op.f32x4Mul, ...one, ...get(n), ...get(n), ...op.f32x4Mul, ...op.f32x4Sub, ...op.f32x4Mul, ...set(dan),
    // daz = g (h − n) z (1 − z)
    ...get(g), ...at(hpB, 0), ...op.v128Load(), ...get(n), ...op.f32x4Sub, ...op.f32x4Mul, ...get(z), ...op.f32x4Mul, ...one, ...get(z), ...op.f32x4Sub, ...op.f32x4Mul, ...set(daz),
    // dar = dan · ghn · r (1 − r)
    ...get(dan), ...get(ghn), ...op.f32x4Mul, ...get(r), ...op.f32x4Mul, ...one, ...get(r), ...op.f32x4Sub, ...op.f32x4Mul, ...set(dar),
    ...at(gB, 0), ...get(dar), ...op.v128Store(),
    ...at(gB, 1), ...get(daz), ...op.v128Store(),
    ...at(gB, 2), ...get(dan), ...op.v128Store(),
    ...at(hB, 0), ...get(dar), ...op.v128Store(),
    ...at(hB, 1), ...get(daz), ...op.v128Store(),
    ...at(hB, 2), ...get(dan), ...get(r), ...op.f32x4Mul, ...op.v128Store(),
    ...get(dhPrev), ...get(dB), ...op.i32Add, ...get(jb), ...op.i32Add, ...get(g), ...get(z), ...op.f32x4Mul, ...op.v128Store(),
    ...get(jb), ...i32(16), ...op.i32Add, ...set(jb),
    ...op.br(0), ...op.end, ...op.end,
    ...get(b), ...i32(1), ...op.i32Add, ...set(b),
    ...op.br(0), ...op.end, ...op.end,
  ];
  return { exportName: 'gruCellBack', paramCount: 8, locals: [[8, I32], [8, V128]], code };
}

/**
 * The recurrence of a GRU layer over T steps in one call (gru-layer.ts gruLayerForward once the
 * input projection is in gi): per step gh = bHh + hs[t] · wHhT (mmAcc) and the gate step (gruCell),
 * so a window crosses from JavaScript into WebAssembly once per layer instead of twice per step.
 * hs (T + 1, B, H); gates advance by gateStride bytes per step (0 reuses one (B, 4H) block), gi by
 * giStride bytes (0 reuses one (B, 3H) block); wHhT (H, 3H); gh (B, 3H) scratch. The same kernels
 * in the same order as the step-by-step path, so the results are identical.
 */
// biome-ignore format: instruction sequences read best as written, a few per line
export function gruSeqBody(funcs: { mmAcc: number; gruCell: number }): FunctionBody {
  const [hs, gates, gateStride, gi, giStride, wHhT, bHh, gh, B, H, T] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [t, hp, BHb] = [11, 12, 13];
  const code = [
    ...get(B), ...get(H), ...op.i32Mul, ...i32(2), ...op.i32Shl, ...set(BHb),
    ...i32(0), ...set(t),
    ...op.block, ...op.loop,
    ...get(t), ...get(T), ...op.i32GeS, ...op.brIf(1),
    ...get(hs), ...get(t), ...get(BHb), ...op.i32Mul, ...op.i32Add, ...set(hp),
    // mmAcc(out, a, sRow, sInner, b, M, K, N, bias)
    ...get(gh), ...get(hp), ...get(H), ...i32(1), ...get(wHhT), ...get(B), ...get(H), ...get(H), ...i32(3), ...op.i32Mul, ...get(bHh),
    ...op.call(funcs.mmAcc),
    // gruCell(hOut, cache, gi, hPrev, gh, B, H)
    ...get(hp), ...get(BHb), ...op.i32Add,
    ...get(gates), ...get(t), ...get(gateStride), ...op.i32Mul, ...op.i32Add,
    ...get(gi), ...get(t), ...get(giStride), ...op.i32Mul, ...op.i32Add,
    ...get(hp), ...get(gh), ...get(B), ...get(H),
    ...op.call(funcs.gruCell),
    ...get(t), ...i32(1), ...op.i32Add, ...set(t),
    ...op.br(0), ...op.end, ...op.end,
  ];
  return { exportName: 'gruSeq', paramCount: 11, locals: [[3, I32]], code };
}
