// Parity with PyTorch: fixtures written by model/parity/make-torch-fixtures.py from torch.nn.GRU and
// torch.nn.Linear (inputs, weights, reconstruction, loss, every gradient, two Adam steps with clipping).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { adamStep, clipGradNorm, createAdamState } from './adam.js';
import {
  autoencoderBackward,
  autoencoderForward,
  createWorkspace,
  type DecoderFeeding,
  gatherTimeMajor,
} from './autoencoder.js';
import type { FloatArrayConstructor, ModelDims } from './dims.js';
import { paramCount, paramLayout, paramViews } from './params.js';

interface Fixture {
  name: string;
  C: number;
  T: number;
  H: number;
  B: number;
  feeding: DecoderFeeding;
  x: number[];
  params: Record<string, number[]>;
  y: number[];
  loss: number;
  grads: Record<string, number[]>;
  dx: number[];
  adam: { lr: number; clip_norm: number; steps: number; params: Record<string, number[]> };
}

const dir = fileURLToPath(new URL('../test/fixtures/model/', import.meta.url));
const fixtures: Fixture[] = readdirSync(dir)
  .filter((f) => f.startsWith('torch-parity-') && f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(dir + f, 'utf8')) as Fixture);

/**
 * Largest |ours − torch| / max(|torch|, floor · max|torch|) over a tensor: per-entry relative error,
 * with entries far below the tensor's scale compared against that scale (float32 rounding there is
 * relative to the large entries that were summed into them).
 */
function maxRelError(ours: ArrayLike<number>, ref: ArrayLike<number>, floor: number): number {
  let scale = 0;
  for (let i = 0; i < ref.length; i++) scale = Math.max(scale, Math.abs(ref[i]));
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const denom = Math.max(Math.abs(ref[i]), floor * scale, 1e-30);
    worst = Math.max(worst, Math.abs(ours[i] - ref[i]) / denom);
  }
  return worst;
}

/** Batch-major (B, T, C) copy of a time-major (T, B, C) buffer. */
function toBatchMajor(xT: ArrayLike<number>, B: number, T: number, C: number): Float64Array {
  const out = new Float64Array(B * T * C);
  for (let t = 0; t < T; t++)
    for (let b = 0; b < B; b++)
      for (let c = 0; c < C; c++) out[(b * T + t) * C + c] = xT[(t * B + b) * C + c];
  return out;
}

function runFixture(fx: Fixture, ctor: FloatArrayConstructor) {
  const dims: ModelDims = { C: fx.C, T: fx.T, H: fx.H };
  const layout = paramLayout(dims);
  const params = new ctor(paramCount(dims));
  for (const spec of layout) params.set(fx.params[spec.name], spec.offset);
  const x = ctor.from(fx.x);
  const ws = createWorkspace(ctor, dims, fx.B, true);
  gatherTimeMajor(ws.xT, x, fx.B, dims, null, 0);
  const p = paramViews(params, dims);
  const grads = new ctor(params.length);
  const loss = autoencoderForward(ws, p, fx.B, fx.feeding);
  const y = toBatchMajor(ws.y, fx.B, fx.T, fx.C);
  autoencoderBackward(paramViews(grads, dims), ws, p, fx.B, fx.feeding, 0, true);
  const dx = toBatchMajor(ws.grad!.dxT, fx.B, fx.T, fx.C);
  const gradByName = Object.fromEntries(
    layout.map((s) => [s.name, grads.slice(s.offset, s.offset + s.size)]),
  );
  // Two Adam steps with clipping, on the same batch, as the fixture script does.
  const adam = createAdamState(params);
  for (let step = 0; step < fx.adam.steps; step++) {
    grads.fill(0);
    autoencoderForward(ws, p, fx.B, fx.feeding);
    autoencoderBackward(paramViews(grads, dims), ws, p, fx.B, fx.feeding, 0, false);
    clipGradNorm(grads, fx.adam.clip_norm);
    adamStep(params, grads, adam, { learningRate: fx.adam.lr });
  }
  const after = Object.fromEntries(layout.map((s) => [s.name, params.slice(s.offset, s.offset + s.size)]));
  return { loss, y, dx, gradByName, after, layout };
}

function worstOver(fx: Fixture, ctor: FloatArrayConstructor, floor: number) {
  const r = runFixture(fx, ctor);
  const errors: Record<string, number> = {
    loss: Math.abs(r.loss - fx.loss) / Math.abs(fx.loss),
    y: maxRelError(r.y, fx.y, floor),
    dx: maxRelError(r.dx, fx.dx, floor),
  };
  for (const s of r.layout) {
    errors[`grad ${s.name}`] = maxRelError(r.gradByName[s.name], fx.grads[s.name], floor);
    errors[`adam ${s.name}`] = maxRelError(r.after[s.name], fx.adam.params[s.name], floor);
  }
  return errors;
}

describe('parity with PyTorch (torch.nn.GRU + nn.Linear)', () => {
  it('found the committed fixtures', () => {
    expect(fixtures.map((f) => f.name).sort()).toEqual([
      'small-latent-only',
      'small-teacher-forcing',
      'tiny-latent-only',
      'tiny-teacher-forcing',
    ]);
  });

  for (const fx of fixtures) {
    it(`${fx.name}: float64 path, every entry within 1e-5 relative`, () => {
      const errors = worstOver(fx, Float64Array, 1e-9);
      const bad = Object.entries(errors).filter(([, e]) => !(e <= 1e-5));
      expect(bad).toEqual([]);
    });

    // In float32 an entry much smaller than its tensor's largest entry carries rounding from the
    // large terms summed into it, so the production path is compared relative to each tensor's scale.
    it(`${fx.name}: float32 path within 1e-5 of each tensor's scale`, () => {
      const errors = worstOver(fx, Float32Array, 1);
      const bad = Object.entries(errors).filter(([, e]) => !(e <= 1e-5));
      expect(bad).toEqual([]);
    });
  }
});
