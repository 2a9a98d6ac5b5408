import { describe, expect, it } from 'vitest';
import { isPipelineError } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import { autoencoderForward, createWorkspace, type DecoderFeeding, gatherTimeMajor } from './autoencoder.js';
import { generateSeries, type PlantedAnomaly, rocAuc, sliceWindows } from './bench/synthetic-series.js';
import { createAutoencoder } from './create-autoencoder.js';
import { gruLayerForward } from './gru-layer.js';
import { linearForward } from './linear.js';
import { fitNormalizer, normalizeInto } from './normalizer.js';
import { paramViews } from './params.js';
import { createReconstructor } from './reconstructor.js';
import { trainAutoencoder } from './train.js';

const dims = { C: 4, T: 16, H: 16 };

/** Decoder + output layer run from a given latent on a given window (T, C): y (T, C). */
function decodeFrom(
  feeding: DecoderFeeding,
  params: Float32Array,
  latent: Float64Array,
  window: Float32Array,
): Float64Array {
  const p64 = Float64Array.from(params);
  const p = paramViews(p64, dims);
  const ws = createWorkspace<Float64Array>(Float64Array, dims, 1, false);
  gatherTimeMajor(ws.xT, Float64Array.from(window), 1, dims, null, 0);
  ws.dec.hs.set(latent, 0);
  gruLayerForward(ws.dec, ws.xT, feeding === 'teacher-forcing' ? 1 : 'none', p.dec, { ...dims, B: 1 }, false);
  linearForward(ws.y, 0, ws.dec.hs, dims.H, p.outW, p.outB, dims.T, dims.H, dims.C);
  return ws.y.slice();
}

function latentOf(params: Float32Array, window: Float32Array, feeding: DecoderFeeding): Float64Array {
  const ws = createWorkspace<Float64Array>(Float64Array, dims, 1, false);
  gatherTimeMajor(ws.xT, Float64Array.from(window), 1, dims, null, 0);
  autoencoderForward(ws, paramViews(Float64Array.from(params), dims), 1, feeding);
  return ws.enc.hs.slice(dims.T * dims.H, (dims.T + 1) * dims.H);
}

function randomWindow(seed: number): Float32Array {
  const rng = createRng(seed, { algorithm: 'xoshiro128**' });
  return Float32Array.from({ length: dims.T * dims.C }, () => rng.gaussian());
}

describe('what the reconstruction can see of the sample it is judged on', () => {
  it('latent-only: with the latent held fixed, the reconstruction does not depend on the window at all', () => {
    const model = createAutoencoder(dims, { seed: 1, feeding: 'latent-only' });
    const a = randomWindow(1);
    const b = randomWindow(2);
    const latent = latentOf(model.params, a, 'latent-only');
    expect(decodeFrom('latent-only', model.params, latent, b)).toEqual(
      decodeFrom('latent-only', model.params, latent, a),
    );
  });

  it('teacher-forcing: with the latent held fixed, y[t] does not depend on x[t] or later steps, but does on x[t − 1]', () => {
    const model = createAutoencoder(dims, { seed: 1, feeding: 'teacher-forcing' });
    const a = randomWindow(3);
    const latent = latentOf(model.params, a, 'teacher-forcing');
    const ya = decodeFrom('teacher-forcing', model.params, latent, a);
    const t = 9;
    const b = a.slice();
    for (let i = t * dims.C; i < b.length; i++) b[i] += 5;
    const yb = decodeFrom('teacher-forcing', model.params, latent, b);
    expect(Array.from(yb.subarray(0, (t + 1) * dims.C))).toEqual(
      Array.from(ya.subarray(0, (t + 1) * dims.C)),
    );
    expect(yb[(t + 1) * dims.C]).not.toBe(ya[(t + 1) * dims.C]);
  });
});

describe('createReconstructor', () => {
  const train = generateSeries(dims.C, 1600, 5);
  const norm = fitNormalizer(train.values, dims.C);
  normalizeInto(train.values, train.values, norm);
  const trained = trainAutoencoder(sliceWindows(train, dims.T, 4).values, {
    dims,
    epochs: 20,
    batchSize: 16,
    learningRate: 0.01,
    clipNorm: 1,
    validationFraction: 0.1,
    patience: 0,
    seed: 2,
    nowMs: () => 0,
  }).model;

  it('scores windows with planted anomalies clearly higher than normal ones (raw values in, normalizer in the reconstructor)', () => {
    const anomalies: PlantedAnomaly[] = [];
    for (let i = 0; i < 16; i++) {
      anomalies.push({
        kind: (['spike', 'drift', 'stuck', 'correlation-break'] as const)[i % 4],
        startStep: 60 + 120 * i,
        lengthSteps: i % 4 === 0 ? 1 : 16,
        channel: i % dims.C,
      });
    }
    const test = sliceWindows(generateSeries(dims.C, 2000, 5, anomalies, 1600), dims.T, 8);
    const reconstructor = createReconstructor(trained, { normalizer: norm });
    const normal: number[] = [];
    const anomalous: number[] = [];
    for (let w = 0; w < test.count; w++) {
      const s = reconstructor.reconstruct(test.values.subarray(w * 64, (w + 1) * 64)).scores[0];
      (test.labels[w] === 0 ? normal : anomalous).push(s);
    }
    expect(anomalous.length).toBeGreaterThan(20);
    expect(rocAuc(anomalous, normal)).toBeGreaterThan(0.9);
    const sortedNormal = [...normal].sort((x, y) => x - y);
    const median = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
    expect(median(anomalous)).toBeGreaterThan(3 * median(sortedNormal));
  });

  it('reuses its output buffers and gives, per window, exactly the batched results', () => {
    const reconstructor = createReconstructor(trained, { maxBatch: 8 });
    const windows = sliceWindows(train, dims.T, 16);
    const batch = reconstructor.reconstructBatch(windows.values.subarray(0, 8 * 64), 8);
    const scores = batch.scores.slice();
    const residuals = batch.residuals.slice();
    for (let w = 0; w < 8; w++) {
      const one = reconstructor.reconstruct(windows.values.subarray(w * 64, (w + 1) * 64));
      expect(one).toBe(batch);
      expect(one.scores[0]).toBe(scores[w]);
      expect(Array.from(one.residuals.subarray(0, 64))).toEqual(
        Array.from(residuals.subarray(w * 64, (w + 1) * 64)),
      );
    }
  });

  it('residuals are input minus reconstruction; step and channel errors average their squares', () => {
    const reconstructor = createReconstructor(trained);
    const x = sliceWindows(train, dims.T, 16).values.subarray(0, 64);
    const r = reconstructor.reconstruct(x);
    for (let i = 0; i < 64; i++) expect(r.residuals[i]).toBeCloseTo(x[i] - r.reconstruction[i], 6);
    let total = 0;
    for (let t = 0; t < dims.T; t++) {
      let s = 0;
      for (let c = 0; c < dims.C; c++) s += r.residuals[t * dims.C + c] ** 2;
      expect(r.stepErrors[t]).toBeCloseTo(s / dims.C, 6);
      total += s;
    }
    for (let c = 0; c < dims.C; c++) {
      let s = 0;
      for (let t = 0; t < dims.T; t++) s += r.residuals[t * dims.C + c] ** 2;
      expect(r.channelErrors[c]).toBeCloseTo(s / dims.T, 6);
    }
    expect(r.scores[0]).toBeCloseTo(total / 64, 6);
  });

  it('the WebAssembly SIMD path agrees with the reference loops (kernels: js) within 1e-5', () => {
    const simd = createReconstructor(trained, { maxBatch: 8 });
    const reference = createReconstructor(trained, { maxBatch: 8, kernels: 'js' });
    const x = sliceWindows(train, dims.T, 16).values.subarray(0, 8 * 64);
    const a = simd.reconstructBatch(x, 8).residuals.slice();
    const b = reference.reconstructBatch(x, 8).residuals.slice();
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    expect(worst).toBeLessThan(1e-5);
    expect(worst).toBeGreaterThan(0); // really two different code paths
  });

  it('mixes SIMD and reference steps correctly when widths are not multiples of 4 (C=3, H=6)', () => {
    const odd = { C: 3, T: 10, H: 6 };
    const model = createAutoencoder(odd, { seed: 3, feeding: 'teacher-forcing' });
    const x = Float32Array.from({ length: 4 * 30 }, (_, i) => Math.sin(i / 3));
    const a = createReconstructor(model, { maxBatch: 4 }).reconstructBatch(x, 4).scores.slice();
    const b = createReconstructor(model, { maxBatch: 4, kernels: 'js' })
      .reconstructBatch(x, 4)
      .scores.slice();
    for (let w = 0; w < 4; w++) expect(Math.abs(a[w] - b[w]) / b[w]).toBeLessThan(1e-5);
  });

  it('refuses a window of the wrong shape and a batch larger than maxBatch, naming the field', () => {
    const reconstructor = createReconstructor(trained, { maxBatch: 2 });
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return isPipelineError(err) ? `${err.code} ${err.message}` : 'other';
      }
      return 'none';
    };
    expect(codeOf(() => reconstructor.reconstruct(new Float32Array(63)))).toMatch(
      /^MODEL_SHAPE_MISMATCH values has 63 values but 1 window\(s\) of T=16 steps × C=4 channels need 64/,
    );
    expect(codeOf(() => reconstructor.reconstructBatch(new Float32Array(3 * 64), 3))).toMatch(
      /count 3 must be between 1 and maxBatch 2/,
    );
    expect(codeOf(() => createReconstructor(trained, { normalizer: { center: [0], scale: [1] } }))).toMatch(
      /normalizer has 1 channels but the model has C=4/,
    );
  });
});
