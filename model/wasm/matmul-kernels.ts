// WebAssembly SIMD (128-bit) bodies of the two matrix-product shapes of matmul.ts: a dot-product
// form for out = a·wᵀ and a column-blocked form for out (+)= a·b (transposed weights, gradients).
import { type FunctionBody, f32Lanes, I32, op, V128 } from './wasm-encoding.js';

const { get, set, tee, i32 } = op;

/**
 * out (M, N) = [out +] bias + a (M, K) · w (N, K)ᵀ; K and N multiples of 4; bias 0 = none.
 * Two rows of a at a time share every load of w (one row for an odd last row); four outputs per
 * block, summed as vectors along K and reduced by shuffles at the end.
 */
// biome-ignore format: instruction sequences read best as written, a few per line
export function mmBtBody(): FunctionBody {
  const [out, a, w, bias, M, K, N, acc] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [m, n, kb, aRow0, aRow1, oRow0, oRow1, w0, w1, w2, w3, Kb] = [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
  const [a0, a1, wv, r] = [20, 21, 22, 23];
  const acc0 = [24, 25, 26, 27];
  const acc1 = [28, 29, 30, 31];
  const ws = [w0, w1, w2, w3];
  const aRows = [aRow0, aRow1];
  const oRows = [oRow0, oRow1];
  const accs = [acc0, acc1];
  const reduce = (s: number[]) => [
    ...get(s[0]), ...get(s[1]), ...op.shuffle(f32Lanes(0, 4, 1, 5)), ...get(s[0]), ...get(s[1]), ...op.shuffle(f32Lanes(2, 6, 3, 7)), ...op.f32x4Add, ...set(s[0]),
    ...get(s[2]), ...get(s[3]), ...op.shuffle(f32Lanes(0, 4, 1, 5)), ...get(s[2]), ...get(s[3]), ...op.shuffle(f32Lanes(2, 6, 3, 7)), ...op.f32x4Add, ...set(s[2]),
    ...get(s[0]), ...get(s[2]), ...op.shuffle(f32Lanes(0, 1, 4, 5)), ...get(s[0]), ...get(s[2]), ...op.shuffle(f32Lanes(2, 3, 6, 7)), ...op.f32x4Add, ...set(r),
  ];
  const finish = (row: number) => [
    ...reduce(accs[row]),
    ...op.block, ...get(bias), ...op.i32Eqz, ...op.brIf(0),
    ...get(r), ...get(bias), ...get(n), ...i32(2), ...op.i32Shl, ...op.i32Add, ...op.v128Load(), ...op.f32x4Add, ...set(r),
    ...op.end,
    ...op.block, ...get(acc), ...op.i32Eqz, ...op.brIf(0),
    ...get(r), ...get(oRows[row]), ...get(n), ...i32(2), ...op.i32Shl, ...op.i32Add, ...op.v128Load(), ...op.f32x4Add, ...set(r),
    ...op.end,
    ...get(oRows[row]), ...get(n), ...i32(2), ...op.i32Shl, ...op.i32Add, ...get(r), ...op.v128Store(),
  ];
  const rowBlock = (R: number) => {
    const rows = Array.from({ length: R }, (_, q) => q);
    return [
      ...op.block, ...op.loop,
      ...get(m), ...i32(R), ...op.i32Add, ...get(M), ...op.i32GtS, ...op.brIf(1),
      ...rows.flatMap((q) => [...get(a), ...get(m), ...i32(q), ...op.i32Add, ...get(Kb), ...op.i32Mul, ...op.i32Add, ...set(aRows[q])]),
      ...rows.flatMap((q) => [...get(out), ...get(m), ...i32(q), ...op.i32Add, ...get(N), ...op.i32Mul, ...i32(2), ...op.i32Shl, ...op.i32Add, ...set(oRows[q])]),
      ...i32(0), ...set(n),
      ...op.block, ...op.loop,
      ...get(n), ...get(N), ...op.i32GeS, ...op.brIf(1),
      ...get(w), ...get(n), ...get(Kb), ...op.i32Mul, ...op.i32Add, ...tee(w0),
      ...get(Kb), ...op.i32Add, ...tee(w1), ...get(Kb), ...op.i32Add, ...tee(w2), ...get(Kb), ...op.i32Add, ...set(w3),
      ...rows.flatMap((q) => accs[q].flatMap((x) => [...op.v128Zero, ...set(x)])),
      ...i32(0), ...set(kb),
      ...op.block, ...op.loop,
      ...get(kb), ...get(Kb), ...op.i32GeS, ...op.brIf(1),
      ...get(aRow0), ...get(kb), ...op.i32Add, ...op.v128Load(), ...set(a0),
      ...(R === 2 ? [...get(aRow1), ...get(kb), ...op.i32Add, ...op.v128Load(), ...set(a1)] : []),
      ...ws.flatMap((wp, j) => [
        ...get(wp), ...get(kb), ...op.i32Add, ...op.v128Load(), ...set(wv),
        ...rows.flatMap((q) => [...get(accs[q][j]), ...get(q === 0 ? a0 : a1), ...get(wv), ...op.f32x4Mul, ...op.f32x4Add, ...set(accs[q][j])]),
      ]),
      ...get(kb), ...i32(16), ...op.i32Add, ...set(kb),
      ...op.br(0), ...op.end, ...op.end,
      ...rows.flatMap((q) => finish(q)),
      ...get(n), ...i32(4), ...op.i32Add, ...set(n),
      ...op.br(0), ...op.end, ...op.end,
      ...get(m), ...i32(R), ...op.i32Add, ...set(m),
      ...op.br(0), ...op.end, ...op.end,
    ];
  };
  const code = [...get(K), ...i32(2), ...op.i32Shl, ...set(Kb), ...i32(0), ...set(m), ...rowBlock(2), ...rowBlock(1)];
  return { exportName: 'mmBt', paramCount: 8, locals: [[12, I32], [12, V128]], code };
}

/**
 * out (M, N) = (bias ? bias : out) + Σ_k a(m, k) · b[k, :], a(m, k) at a + 4·(m·sRow + k·sInner);
 * N a multiple of 4; bias 0 = accumulate into out. Columns are the outer loop (sixteen, then four
 * at a time) so the slice of b they need stays in L1 while every row passes; two rows at a time
 * share each load of b.
 */
// biome-ignore format: instruction sequences read best as written, a few per line
export function mmAccBody(): FunctionBody {
  const [out, a, sRow, sInner, b, M, K, N, bias] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [m, nb, k, oRow0, oRow1, ap0, ap1, bp, Nb, aStep, rowStep] = [9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
  const [av0, av1, bv] = [20, 21, 22];
  const acc = [
    [23, 24, 25, 26],
    [27, 28, 29, 30],
  ];
  const oRows = [oRow0, oRow1];
  const aps = [ap0, ap1];
  const avs = [av0, av1];
  const rowBlock = (R: number, width: number) => {
    const rows = Array.from({ length: R }, (_, q) => q);
    const cols = Array.from({ length: width }, (_, j) => j);
    const init = (q: number, j: number) => [
      // acc = bias ? bias[nb + 16j] : out[row, nb + 16j]
      ...op.block, ...op.block,
      ...get(bias), ...op.i32Eqz, ...op.brIf(0),
      ...get(bias), ...get(nb), ...op.i32Add, ...op.v128Load(16 * j), ...set(acc[q][j]), ...op.br(1),
      ...op.end,
      ...get(oRows[q]), ...get(nb), ...op.i32Add, ...op.v128Load(16 * j), ...set(acc[q][j]),
      ...op.end,
    ];
    return [
      ...i32(0), ...set(m),
      ...op.block, ...op.loop,
      ...get(m), ...i32(R), ...op.i32Add, ...get(M), ...op.i32GtS, ...op.brIf(1),
      ...rows.flatMap((q) => [...get(out), ...get(m), ...i32(q), ...op.i32Add, ...get(Nb), ...op.i32Mul, ...op.i32Add, ...set(oRows[q])]),
      ...rows.flatMap((q) => [...get(a), ...get(m), ...i32(q), ...op.i32Add, ...get(rowStep), ...op.i32Mul, ...op.i32Add, ...set(aps[q])]),
      ...rows.flatMap((q) => cols.flatMap((j) => init(q, j))),
      ...get(b), ...get(nb), ...op.i32Add, ...set(bp), ...i32(0), ...set(k),
      ...op.block, ...op.loop,
      ...get(k), ...get(K), ...op.i32GeS, ...op.brIf(1),
      ...rows.flatMap((q) => [...get(aps[q]), ...op.f32Load, ...op.f32x4Splat, ...set(avs[q])]),
      ...cols.flatMap((j) => [
        ...get(bp), ...op.v128Load(16 * j), ...set(bv),
        ...rows.flatMap((q) => [...get(acc[q][j]), ...get(avs[q]), ...get(bv), ...op.f32x4Mul, ...op.f32x4Add, ...set(acc[q][j])]),
      ]),
      ...rows.flatMap((q) => [...get(aps[q]), ...get(aStep), ...op.i32Add, ...set(aps[q])]),
      ...get(bp), ...get(Nb), ...op.i32Add, ...set(bp),
      ...get(k), ...i32(1), ...op.i32Add, ...set(k),
      ...op.br(0), ...op.end, ...op.end,
      ...rows.flatMap((q) => cols.flatMap((j) => [...get(oRows[q]), ...get(nb), ...op.i32Add, ...get(acc[q][j]), ...op.v128Store(16 * j)])),
      ...get(m), ...i32(R), ...op.i32Add, ...set(m),
      ...op.br(0), ...op.end, ...op.end,
    ];
  };
  // For each column block: rows in pairs, then the odd last row (the second loop starts where the
  // first stopped, so it re-reads m rather than restarting at 0).
  const colBlock = (width: number) => {
    const pairs = rowBlock(2, width);
    const single = rowBlock(1, width).slice(i32(0).length + set(m).length);
    return [
      ...op.block, ...op.loop,
      ...get(nb), ...i32(16 * width), ...op.i32Add, ...get(Nb), ...op.i32GtS, ...op.brIf(1),
      ...pairs,
      ...single,
      ...get(nb), ...i32(16 * width), ...op.i32Add, ...set(nb),
      ...op.br(0), ...op.end, ...op.end,
    ];
  };
  const code = [
    ...get(N), ...i32(2), ...op.i32Shl, ...set(Nb),
    ...get(sInner), ...i32(2), ...op.i32Shl, ...set(aStep),
    ...get(sRow), ...i32(2), ...op.i32Shl, ...set(rowStep),
    ...i32(0), ...set(nb),
    ...colBlock(4),
    ...colBlock(1),
  ];
  return { exportName: 'mmAcc', paramCount: 9, locals: [[11, I32], [11, V128]], code };
}
