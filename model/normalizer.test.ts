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

  describe('scale floors', () => {
    // Channel 0 sits on 32.0/32.004 with two steps to 31 and 33 (IQR 0.004, so the robust scale is
    // tiny); channel 1 is ordinary spread around 100.
    const rows = [32, 32, 32, 32, 31, 32.004, 32.004, 32.004, 33, 32].map((flow, i) => [
      flow,
      100 + (i % 5) - 2,
    ]);
    const frames = rows.flat();

    it('keeps the robust scale when no floor is asked for', () => {
      const n = fitNormalizer(frames, 2);
      expect(n.scale[0]).toBeLessThan(0.01);
      expect(n.scale[1]).toBeCloseTo(2 / 1.349, 12);
    });

    it('raises a collapsed robust scale to the standard deviation', () => {
      const n = fitNormalizer(frames, 2, { stdFloor: true });
      // Hand-computed population standard deviation of channel 0: mean 32.0012, Σ(x − mean)² = 2.0000336.
      expect(n.scale[0]).toBeCloseTo(Math.sqrt(2.0000336 / 10), 9);
      // Channel 1: values 98..102, IQR 2 → 2/1.349 ≈ 1.4826 > std √2 ≈ 1.414: unchanged.
      expect(n.scale[1]).toBeCloseTo(2 / 1.349, 12);
      expect(n.center).toEqual(fitNormalizer(frames, 2).center);
    });

    it('raises the scale to a fraction of the median magnitude', () => {
      const n = fitNormalizer(frames, 2, { stdFloor: true, relativeScaleFloor: 0.03 });
      expect(n.scale[0]).toBeCloseTo(0.03 * 32, 9);
      expect(n.scale[1]).toBeCloseTo(0.03 * 100, 9);
      // A negative level counts by its magnitude.
      const negative = fitNormalizer(
        rows.map(([flow]) => -flow),
        1,
        { relativeScaleFloor: 0.03 },
      );
      expect(negative.scale[0]).toBeCloseTo(0.03 * 32, 9);
    });

    it('ignores missing values when measuring the standard deviation', () => {
      const withGaps = [...frames, Number.NaN, Number.NaN];
      expect(fitNormalizer(withGaps, 2, { stdFloor: true }).scale).toEqual(
        fitNormalizer(frames, 2, { stdFloor: true }).scale,
      );
    });
  });
});
