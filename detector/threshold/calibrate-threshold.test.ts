// Calibration on data computed by hand, the calibration JSON round trip, and override resolution.
import { describe, expect, it } from 'vitest';
import { isPipelineError } from '../../core/index.js';
import { detectorConfigSchema, type ThresholdConfig } from '../config.js';
import { calibrateThreshold, calibrationSchema } from './calibrate-threshold.js';
import { resolveThreshold, scoreRatio } from './resolve-threshold.js';

function threshold(input: Record<string, unknown>): ThresholdConfig {
  return detectorConfigSchema.parse({ threshold: input }).threshold;
}

describe('calibrateThreshold', () => {
  // Sorted: 1 1 2 3 3 4 5 5 6 9 (n = 10)
  const scores = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3];

  it.each([
    // h = 9·0.9 = 8.1 → x8 + 0.1·(x9 − x8) = 6 + 0.1·3
    [0.9, 6.3],
    // h = 9·0.25 = 2.25 → 2 + 0.25·(3 − 2)
    [0.25, 2.25],
    // h = 9·0.5 = 4.5 → 3 + 0.5·(4 − 3)
    [0.5, 3.5],
  ])('takes quantile %f by linear interpolation: %f', (q, expected) => {
    const calibration = calibrateThreshold(scores, threshold({ type: 'quantile', q }));
    expect(calibration.value).toBeCloseTo(expected, 12);
    expect(calibration).toMatchObject({ type: 'quantile', n: 10, stats: { q, min: 1, max: 9, mean: 3.9 } });
  });

  it('takes mean + k·σ with the sample deviation', () => {
    // mean 5, Σ(x − 5)² = 32, s = √(32/7)
    const calibration = calibrateThreshold(
      [2, 4, 4, 4, 5, 5, 7, 9],
      threshold({ type: 'mean_k_sigma', k: 2 }),
    );
    expect(calibration.value).toBeCloseTo(5 + 2 * Math.sqrt(32 / 7), 12);
  });

  it('takes median + k·1.4826·MAD when robust, unmoved by one outlier', () => {
    // median 4.5; |x − 4.5| sorted: 0.5×5, 2.5, 2.5, 4.5 → MAD 0.5
    const config = threshold({ type: 'mean_k_sigma', k: 2, robust: true });
    expect(calibrateThreshold([2, 4, 4, 4, 5, 5, 7, 9], config).value).toBeCloseTo(
      4.5 + 2 * 1.4826 * 0.5,
      12,
    );
    expect(calibrateThreshold([2, 4, 4, 4, 5, 5, 7, 900], config).value).toBeCloseTo(
      4.5 + 2 * 1.4826 * 0.5,
      12,
    );
  });

  it('raises the threshold to minCenterRatio times the centre when that is higher', () => {
    // Robust: median 4.5, MAD 0.5 → 4.5 + 2·1.4826·0.5 ≈ 5.98; 2 × 4.5 = 9 wins, 1.2 × 4.5 = 5.4 does not.
    const scores = [2, 4, 4, 4, 5, 5, 7, 9];
    const at = (minCenterRatio: number) =>
      calibrateThreshold(scores, threshold({ type: 'mean_k_sigma', k: 2, robust: true, minCenterRatio }))
        .value;
    expect(at(2)).toBeCloseTo(9, 12);
    expect(at(1.2)).toBeCloseTo(4.5 + 2 * 1.4826 * 0.5, 12);
  });

  it('accepts a calibration with channel spreads, and one written before they existed', () => {
    const old = { type: 'quantile', value: 1, n: 3, stats: { q: 0.9, min: 0, max: 1, mean: 0.5 } };
    expect(calibrationSchema.parse(old)).toEqual(old);
    const withSpread = { ...old, channelSpread: [0.5, 2] };
    expect(calibrationSchema.parse(withSpread)).toEqual(withSpread);
    expect(calibrationSchema.safeParse({ ...old, channelSpread: [0.5, 0] }).success).toBe(false);
  });

  it('produces JSON that its schema accepts back unchanged, for every type', () => {
    const held = Array.from({ length: 300 }, (_, i) => 1 + ((i * 7919) % 101) / 200);
    for (const config of [
      threshold({ type: 'quantile' }),
      threshold({ type: 'mean_k_sigma' }),
      threshold({ type: 'dynamic' }),
    ]) {
      const calibration = calibrateThreshold(Float64Array.from(held), config);
      const restored = calibrationSchema.parse(JSON.parse(JSON.stringify(calibration)));
      expect(restored).toEqual(calibration);
      expect(restored.value).toBeGreaterThan(Math.min(...held));
    }
  });

  it('rejects empty, non-finite and spread-less inputs with a coded error', () => {
    const cases: Array<[number[], ThresholdConfig, string]> = [
      [[], threshold({ type: 'quantile' }), 'zero held-out scores'],
      [[1, Number.NaN], threshold({ type: 'quantile' }), 'held-out score 1'],
      [[0, 0, 0], threshold({ type: 'quantile' }), 'without spread'],
      [[2, 2, 2], threshold({ type: 'dynamic' }), 'without spread'],
    ];
    for (const [input, config, text] of cases) {
      try {
        calibrateThreshold(input, config);
        expect.unreachable(`accepted ${JSON.stringify(input)}`);
      } catch (err) {
        expect(isPipelineError(err, 'DETECTOR_INPUT_INVALID')).toBe(true);
        expect((err as Error).message).toContain(text);
      }
    }
  });
});

describe('resolveThreshold and scoreRatio', () => {
  const overrides = [
    { asset: 'pump-*', threshold: 2 },
    { asset: 'pump-?', threshold: 3 },
    { asset: 'pump-7', threshold: 5 },
  ];

  it('lets an exact override win, then the first matching glob, then the calibrated value', () => {
    expect(resolveThreshold('pump-7', 1, overrides)).toEqual({
      value: 5,
      source: 'override',
      pattern: 'pump-7',
    });
    expect(resolveThreshold('pump-8', 1, overrides)).toEqual({
      value: 2,
      source: 'override',
      pattern: 'pump-*',
    });
    expect(resolveThreshold('fan-1', 1.5, overrides)).toEqual({ value: 1.5, source: 'calibrated' });
  });

  it('gives score / threshold, and null when there is nothing to judge against', () => {
    expect(scoreRatio(3, 2)).toBe(1.5);
    expect(scoreRatio(3, undefined)).toBeNull();
    expect(scoreRatio(3, 0)).toBeNull();
    expect(scoreRatio(Number.NaN, 2)).toBeNull();
  });
});
