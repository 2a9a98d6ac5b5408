import { describe, expect, it } from 'vitest';
import { fitNormalizer } from '../../model/index.js';
import { withScaleFloor } from './scale-floor.js';

describe('normalizer scale floor', () => {
  // Channel 0 sits on 32.0/32.004 with two steps to 31 and 33 (IQR 0.004, so the robust scale is
  // tiny); channel 1 is ordinary spread around 100.
  const rows = [32, 32, 32, 32, 31, 32.004, 32.004, 32.004, 33, 32].map((flow, i) => [
    flow,
    100 + (i % 5) - 2,
  ]);
  const frames = Float64Array.from(rows.flat());

  it('raises a collapsed robust scale to the standard deviation', () => {
    const robust = fitNormalizer(frames, 2);
    const floored = withScaleFloor(robust, frames, 2);
    // Hand-computed population standard deviation of channel 0: mean 32.0012, Σ(x − mean)² = 2.0000336.
    expect(robust.scale[0]).toBeLessThan(0.01);
    expect(floored.scale[0]).toBeCloseTo(Math.sqrt(2.0000336 / 10), 6);
    expect(floored.center).toEqual(robust.center);
  });

  it('keeps a robust scale that is already larger, unless the relative floor is higher', () => {
    const robust = fitNormalizer(frames, 2);
    const floored = withScaleFloor(robust, frames, 2);
    // Channel 1: values 98..102, IQR 2 → 2/1.349 ≈ 1.4826 > std √2 ≈ 1.414.
    expect(floored.scale[1]).toBeCloseTo(2 / 1.349, 6);
    const relative = withScaleFloor(robust, frames, 2, 0.03);
    expect(relative.scale[1]).toBeCloseTo(3, 6); // 3 % of the median 100
    expect(relative.scale[0]).toBeCloseTo(0.96, 6); // 3 % of the median 32
  });
});
