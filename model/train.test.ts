import { describe, expect, it } from 'vitest';
import { isPipelineError } from '../core/errors.js';
import { generateSeries, sliceWindows } from './bench/synthetic-series.js';
import { fitNormalizer, normalizeInto } from './normalizer.js';
import { type TrainOptions, type TrainProgress, trainAutoencoder } from './train.js';

const dims = { C: 4, T: 16, H: 16 };

function normalWindows(seed: number, steps = 1200) {
  const series = generateSeries(dims.C, steps, seed);
  const norm = fitNormalizer(series.values, dims.C);
  normalizeInto(series.values, series.values, norm);
  return sliceWindows(series, dims.T, 4).values;
}

const base: TrainOptions = {
  dims,
  epochs: 8,
  batchSize: 16,
  learningRate: 0.01,
  clipNorm: 1,
  validationFraction: 0.2,
  patience: 0,
  seed: 7,
  nowMs: () => 0,
};

describe('trainAutoencoder', () => {
  const windows = normalWindows(3);

  it('trains a seeded synthetic series to a validation loss below 0.1 (normalized units) and reports each epoch', () => {
    const seen: TrainProgress[] = [];
    const { summary } = trainAutoencoder(windows, { ...base, epochs: 20 }, (p) => seen.push(p));
    expect(seen.map((p) => p.epoch)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(summary.lossCurve[0].validationLoss).toBeGreaterThan(0.3);
    expect(summary.bestLoss).toBeLessThan(0.1);
    expect(summary.trainWindows + summary.validationWindows).toBe(windows.length / (dims.T * dims.C));
  });

  it('is repeatable bit for bit with the same seed, and differs with another seed', () => {
    const a = trainAutoencoder(windows, { ...base, epochs: 2 });
    const b = trainAutoencoder(windows, { ...base, epochs: 2 });
    const c = trainAutoencoder(windows, { ...base, epochs: 2, seed: 8 });
    expect(Buffer.from(a.model.params.buffer).equals(Buffer.from(b.model.params.buffer))).toBe(true);
    expect(Buffer.from(a.model.params.buffer).equals(Buffer.from(c.model.params.buffer))).toBe(false);
  });

  it('stops early once validation stops improving and returns the best epoch', () => {
    // A learning rate this high makes the validation loss bounce; patience 1 must stop the run.
    const { summary } = trainAutoencoder(windows, {
      ...base,
      epochs: 30,
      learningRate: 0.2,
      clipNorm: 0,
      patience: 1,
    });
    expect(summary.stoppedEarly).toBe(true);
    expect(summary.epochsRun).toBeLessThan(30);
    const best = Math.min(...summary.lossCurve.map((l) => l.validationLoss ?? Number.POSITIVE_INFINITY));
    expect(summary.lossCurve[summary.bestEpoch - 1].validationLoss).toBe(best);
    expect(summary.bestLoss).toBe(best);
  });

  it('truncated BPTT: k ≥ T equals full BPTT; k < T changes the weights but still learns', () => {
    const full = trainAutoencoder(windows, { ...base, epochs: 2 });
    const kT = trainAutoencoder(windows, { ...base, epochs: 2, truncatedBpttSteps: dims.T });
    const k4 = trainAutoencoder(windows, { ...base, truncatedBpttSteps: 4 });
    expect(Buffer.from(full.model.params.buffer).equals(Buffer.from(kT.model.params.buffer))).toBe(true);
    const full2 = trainAutoencoder(windows, { ...base });
    expect(Buffer.from(full2.model.params.buffer).equals(Buffer.from(k4.model.params.buffer))).toBe(false);
    expect(k4.summary.bestLoss).toBeLessThan(k4.summary.lossCurve[0].validationLoss!);
  });

  it('trains the same with the WebAssembly SIMD kernels as with the reference loops (loss curves within 1e-3)', () => {
    const simd = trainAutoencoder(windows, { ...base, epochs: 3 });
    const reference = trainAutoencoder(windows, { ...base, epochs: 3, kernels: 'js' });
    for (let e = 0; e < 3; e++) {
      const a = simd.summary.lossCurve[e].validationLoss!;
      const b = reference.summary.lossCurve[e].validationLoss!;
      expect(Math.abs(a - b) / b).toBeLessThan(1e-3);
    }
  });

  it('refuses bad options and too few windows with a coded error naming the field', () => {
    const attempt = (o: Partial<TrainOptions>, w = windows) => {
      try {
        trainAutoencoder(w, { ...base, ...o });
      } catch (err) {
        return isPipelineError(err) ? `${err.code}: ${err.message}` : String(err);
      }
      return 'no error';
    };
    expect(attempt({ batchSize: 0 })).toMatch(/^MODEL_TRAINING_FAILED: .*batchSize/);
    expect(attempt({ learningRate: -1 })).toMatch(/learningRate/);
    expect(attempt({}, new Float32Array(0))).toMatch(/at least one training window/);
    expect(attempt({}, new Float32Array(dims.T * dims.C + 3))).toMatch(/^MODEL_SHAPE_MISMATCH: windows has/);
    const nan = windows.slice();
    nan[5] = Number.NaN;
    expect(attempt({}, nan)).toMatch(/loss became NaN/);
  });
});
