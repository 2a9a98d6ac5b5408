import { describe, expect, it } from 'vitest';
import { isPipelineError } from '../core/errors.js';
import { fitNormalizer, normalizeInto } from './normalizer.js';

describe('fitNormalizer', () => {
  it('uses the median and IQR/1.349 per channel', () => {
    // channel 0: 1..9, channel 1: 10, 20, … 90
    const frames = Array.from({ length: 9 }, (_, i) => [i + 1, 10 * (i + 1)]).flat();
    const n = fitNormalizer(frames, 2);
    expect(n.center).toEqual([5, 50]);
    expect(n.scale[0]).toBeCloseTo(4 / 1.349, 12);
    expect(n.scale[1]).toBeCloseTo(40 / 1.349, 12);
  });

  it('barely moves when one huge outlier is added', () => {
    const values = Array.from({ length: 201 }, (_, i) => Math.sin(i));
    const clean = fitNormalizer(values, 1);
    const dirty = fitNormalizer([...values, 1e9], 1);
    expect(Math.abs(dirty.center[0] - clean.center[0])).toBeLessThan(0.02);
    expect(Math.abs(dirty.scale[0] / clean.scale[0] - 1)).toBeLessThan(0.02);
  });

  it('gives a constant channel scale 1 and an all-NaN channel center 0, never NaN', () => {
    const frames = [];
    for (let i = 0; i < 10; i++) frames.push(3.5, Number.NaN, i);
    const n = fitNormalizer(frames, 3);
    expect(n.center.slice(0, 2)).toEqual([3.5, 0]);
    expect(n.scale.slice(0, 2)).toEqual([1, 1]);
    const out = new Float32Array(3);
    normalizeInto(out, [3.5, 2, 4.5], n);
    expect(Array.from(out)).toEqual([0, 2, 0]);
  });

  it('uses scale 1 for a mostly constant channel with rare excursions (IQR 0)', () => {
    const n = fitNormalizer([0, 0, 0, 0, 0, 0, 0, 0, 5, -5, 0, 0], 1);
    expect(n).toEqual({ center: [0], scale: [1] });
  });

  it('refuses frames that are not whole rows of C channels', () => {
    let err: unknown;
    try {
      fitNormalizer([1, 2, 3], 2);
    } catch (e) {
      err = e;
    }
    expect(isPipelineError(err, 'MODEL_SHAPE_MISMATCH')).toBe(true);
    expect((err as Error).message).toMatch(/frames has 3 values/);
  });
});
