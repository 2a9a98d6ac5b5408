// Finite-difference checks (float64) of the whole autoencoder: every parameter tensor and the
// window itself, for both decoder feedings; all entries for a tiny shape, a seeded sample otherwise.
import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import {
  autoencoderBackward,
  autoencoderForward,
  createWorkspace,
  type DecoderFeeding,
  gatherTimeMajor,
} from './autoencoder.js';
import type { ModelDims } from './dims.js';
import { checkTensor, pickIndices } from './finite-difference.js';
import { paramCount, paramLayout, paramViews } from './params.js';

// The loss is an O(1) mean, so central differences (h = 1e-5) carry a round-off of about 2e-11 in
// absolute terms; the relative error uses a denominator floor of 1e-4 (entries whose gradient is
// below ~5e-5 are compared to within 1e-10 absolute) and must stay below 1e-6.
const TOLERANCE = 1e-6;
const FLOOR = 1e-4;

function autoencoderCase(dims: ModelDims, B: number, feeding: DecoderFeeding, seed: number, sample: number) {
  const rng = createRng(seed, { algorithm: 'xoshiro128**' });
  const params = new Float64Array(paramCount(dims));
  for (let i = 0; i < params.length; i++) params[i] = rng.uniform(-0.6, 0.6);
  const x = new Float64Array(B * dims.T * dims.C);
  for (let i = 0; i < x.length; i++) x[i] = rng.gaussian();
  const ws = createWorkspace<Float64Array>(Float64Array, dims, B, true);
  gatherTimeMajor(ws.xT, x, B, dims, null, 0);
  const p = paramViews(params, dims);
  const loss = () => autoencoderForward(ws, p, B, feeding);
  loss();
  const grads = new Float64Array(params.length);
  autoencoderBackward(paramViews(grads, dims), ws, p, B, feeding, 0, true);
  const dxT = Float64Array.from(ws.grad!.dxT);
  const results = paramLayout(dims).map((spec, k) => {
    const view = params.subarray(spec.offset, spec.offset + spec.size);
    const gview = grads.subarray(spec.offset, spec.offset + spec.size);
    const idx = pickIndices(spec.size, sample === 0 ? 1e9 : 0, sample, seed * 100 + k);
    return checkTensor(spec.name, view, gview, loss, idx, 1e-5, FLOOR);
  });
  const n = B * dims.T * dims.C;
  results.push(
    checkTensor(
      'x',
      ws.xT,
      dxT,
      loss,
      pickIndices(n, sample === 0 ? 1e9 : 0, sample, seed + 99),
      1e-5,
      FLOOR,
    ),
  );
  return results;
}

describe('autoencoder gradients (BPTT through decoder and encoder)', () => {
  for (const feeding of ['teacher-forcing', 'latent-only'] as const) {
    it(`${feeding}: every entry of every tensor and of the window, C=3 T=5 H=4 B=2`, () => {
      const results = autoencoderCase({ C: 3, T: 5, H: 4 }, 2, feeding, 21, 0);
      expect(results).toHaveLength(11);
      expect(results.filter((r) => !(r.worstRelError <= TOLERANCE)).flatMap((r) => r.worst)).toEqual([]);
    });

    it(`${feeding}: seeded sample of 16 entries per tensor, C=6 T=12 H=10 B=3`, () => {
      const results = autoencoderCase({ C: 6, T: 12, H: 10 }, 3, feeding, 22, 16);
      expect(results.filter((r) => !(r.worstRelError <= TOLERANCE)).flatMap((r) => r.worst)).toEqual([]);
    });
  }
});
