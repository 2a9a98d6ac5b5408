// Finite-difference checks (float64) of the GRU cell, linear, MSE and the GRU layer over T steps
// (BPTT), for every tensor including the input and the initial state.
import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { checkTensor, type GradientCheckResult, pickIndices } from './finite-difference.js';
import { gruCellBackward, gruCellForward } from './gru-cell.js';
import { type GruLayerBuffers, gruLayerBackward, gruLayerForward, type InputShift } from './gru-layer.js';
import { linearBackward, linearForward } from './linear.js';
import { mseBackward, mseForward } from './mse.js';
import type { GruViews } from './params.js';

// Central differences with h = 1e-5 in float64 leave an absolute error around 1e-10, so a relative
// error floor of 1e-8 in the denominator and a bound of 1e-6 hold for every entry we check.
const TOLERANCE = 1e-6;

function randomArray(n: number, rng: ReturnType<typeof createRng>, scale = 1): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-scale, scale);
  return a;
}

function expectAllWithin(results: GradientCheckResult[]): void {
  const failing = results.filter((r) => !(r.worstRelError <= TOLERANCE));
  expect(failing.flatMap((r) => r.worst)).toEqual([]);
  expect(results.every((r) => r.checked > 0)).toBe(true);
}

function dot(a: Float64Array, b: Float64Array, n = a.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

describe('linear and MSE gradients', () => {
  it('match central differences for x, W, b', () => {
    const rng = createRng(1, { algorithm: 'xoshiro128**' });
    const [M, K, N] = [3, 4, 5];
    const x = randomArray(M * K, rng);
    const w = randomArray(N * K, rng);
    const b = randomArray(N, rng);
    const up = randomArray(M * N, rng);
    const y = new Float64Array(M * N);
    const loss = () => {
      linearForward(y, 0, x, 0, w, b, M, K, N);
      return dot(y, up);
    };
    const dx = new Float64Array(M * K);
    const dW = new Float64Array(N * K);
    const dB = new Float64Array(N);
    linearBackward(dx, 0, dW, dB, up, 0, x, 0, w, M, K, N);
    const all = (n: number) => pickIndices(n, 1e9, 0, 0);
    expectAllWithin([
      checkTensor('x', x, dx, loss, all(x.length)),
      checkTensor('w', w, dW, loss, all(w.length)),
      checkTensor('b', b, dB, loss, all(b.length)),
    ]);
  });

  it('MSE gradient matches central differences for prediction and target', () => {
    const rng = createRng(2, { algorithm: 'xoshiro128**' });
    const y = randomArray(7, rng);
    const t = randomArray(7, rng);
    const dy = new Float64Array(7);
    const dt = new Float64Array(7);
    mseBackward(dy, dt, y, t, 7);
    const loss = () => mseForward(y, t, 7);
    const all = pickIndices(7, 100, 0, 0);
    expectAllWithin([checkTensor('y', y, dy, loss, all), checkTensor('target', t, dt, loss, all)]);
  });
});

describe('GRU cell step', () => {
  it('matches central differences for the input projection, h and W_hh/b_hh via dgh', () => {
    const rng = createRng(3, { algorithm: 'xoshiro128**' });
    const [B, H] = [2, 3];
    const gi = randomArray(B * 3 * H, rng);
    const h = randomArray(B * H, rng);
    const wHh = randomArray(3 * H * H, rng, 0.8);
    const bHh = randomArray(3 * H, rng);
    const up = randomArray(B * H, rng);
    const out = new Float64Array(B * H);
    const cache = new Float64Array(B * 4 * H);
    const gh = new Float64Array(B * 3 * H);
    const loss = () => {
      gruCellForward(out, 0, cache, 0, gi, 0, h, 0, wHh, bHh, gh, B, H);
      return dot(out, up);
    };
    loss();
    const dgi = new Float64Array(B * 3 * H);
    const dgh = new Float64Array(B * 3 * H);
    const dh = new Float64Array(B * H);
    gruCellBackward(dgi, 0, dgh, 0, dh, up, cache, 0, h, 0, wHh, B, H);
    // dL/dW_hh = dghᵀ h and dL/db_hh = Σ_b dgh: the layer accumulates exactly these.
    const dW = new Float64Array(3 * H * H);
    const dBias = new Float64Array(3 * H);
    for (let b = 0; b < B; b++)
      for (let n = 0; n < 3 * H; n++) {
        dBias[n] += dgh[b * 3 * H + n];
        for (let k = 0; k < H; k++) dW[n * H + k] += dgh[b * 3 * H + n] * h[b * H + k];
      }
    const all = (n: number) => pickIndices(n, 1e9, 0, 0);
    expectAllWithin([
      checkTensor('gi', gi, dgi, loss, all(gi.length)),
      checkTensor('h', h, dh, loss, all(h.length)),
      checkTensor('wHh', wHh, dW, loss, all(wHh.length)),
      checkTensor('bHh', bHh, dBias, loss, all(bHh.length)),
    ]);
  });
});

function layerCase(
  T: number,
  B: number,
  C: number,
  H: number,
  shift: InputShift,
  seed: number,
  sample: number,
  giSteps = T, // 1: the (B, 3H) per-step layout of large batches
) {
  const rng = createRng(seed, { algorithm: 'xoshiro128**' });
  const p: GruViews<Float64Array> = {
    wIh: randomArray(3 * H * C, rng, 0.7),
    wHh: randomArray(3 * H * H, rng, 0.7),
    bIh: randomArray(3 * H, rng, 0.5),
    bHh: randomArray(3 * H, rng, 0.5),
  };
  const x = randomArray(T * B * C, rng);
  const h0 = randomArray(B * H, rng);
  const up = randomArray(T * B * H, rng);
  const upLast = randomArray(B * H, rng);
  const buf: GruLayerBuffers<Float64Array> = {
    hs: new Float64Array((T + 1) * B * H),
    gates: new Float64Array(T * B * 4 * H),
    gi: new Float64Array(giSteps * B * 3 * H),
    gh: new Float64Array(B * 3 * H),
  };
  const s = { T, B, C, H };
  const loss = () => {
    buf.hs.set(h0, 0);
    gruLayerForward(buf, x, shift, p, s, true);
    return dot(buf.hs.subarray(B * H), up) + dot(buf.hs.subarray(T * B * H), upLast);
  };
  loss();
  const g: GruViews<Float64Array> = {
    wIh: new Float64Array(p.wIh.length),
    wHh: new Float64Array(p.wHh.length),
    bIh: new Float64Array(p.bIh.length),
    bHh: new Float64Array(p.bHh.length),
  };
  const dx = new Float64Array(x.length);
  const dh0 = new Float64Array(h0.length);
  const work = {
    dgi: new Float64Array(T * B * 3 * H),
    dgh: new Float64Array(T * B * 3 * H),
    dhA: new Float64Array(B * H),
    dhB: new Float64Array(B * H),
  };
  gruLayerBackward(g, dx, dh0, up, upLast, buf, work, x, shift, p, s, 0);
  const idx = (n: number, k: number) => pickIndices(n, sample === 0 ? 1e9 : 0, sample, seed + k);
  const results = [
    checkTensor('wIh', p.wIh, g.wIh, loss, idx(p.wIh.length, 1)),
    checkTensor('wHh', p.wHh, g.wHh, loss, idx(p.wHh.length, 2)),
    checkTensor('bIh', p.bIh, g.bIh, loss, idx(p.bIh.length, 3)),
    checkTensor('bHh', p.bHh, g.bHh, loss, idx(p.bHh.length, 4)),
    checkTensor('h0', h0, dh0, loss, idx(h0.length, 5)),
  ];
  if (shift !== 'none') {
    // With teacher forcing the last step's input is never read: its gradient must be exactly zero.
    results.push(checkTensor('x', x, dx, loss, idx(x.length, 6)));
  }
  return { results, dx, T, B, C };
}

describe('GRU layer (BPTT)', () => {
  it('one step: every entry of every tensor', () => {
    expectAllWithin(layerCase(1, 2, 3, 4, 0, 10, 0).results);
  });

  it('over T = 6 steps: every entry of every tensor', () => {
    expectAllWithin(layerCase(6, 2, 3, 4, 0, 11, 0).results);
  });

  it('over T = 6 steps with the input shifted by one step (teacher forcing)', () => {
    const c = layerCase(6, 2, 3, 4, 1, 12, 0);
    expectAllWithin(c.results);
    const last = c.dx.subarray((c.T - 1) * c.B * c.C);
    expect(Array.from(last).every((v) => v === 0)).toBe(true);
  });

  it('driven by its initial state only (zero input)', () => {
    expectAllWithin(layerCase(5, 2, 3, 4, 'none', 13, 0).results);
  });

  it('input projected step by step (large-batch layout), with and without the one-step shift', () => {
    expectAllWithin(layerCase(6, 2, 3, 4, 0, 15, 0, 1).results);
    expectAllWithin(layerCase(6, 2, 3, 4, 1, 16, 0, 1).results);
  });

  it('larger shapes: a seeded sample of 24 entries per tensor', () => {
    expectAllWithin(layerCase(16, 3, 7, 20, 0, 14, 24).results);
  });
});
