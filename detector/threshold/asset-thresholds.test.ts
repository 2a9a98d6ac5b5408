// Per-asset threshold choice: override, calibrated, live dynamic with warm-up and resume.
import { describe, expect, it } from 'vitest';
import { detectorConfigSchema } from '../config.js';
import { createAssetThresholds } from './asset-thresholds.js';
import { calibrateThreshold } from './calibrate-threshold.js';

const held = Array.from({ length: 200 }, (_, i) => 1 + ((i * 37) % 17) / 40);

describe('createAssetThresholds', () => {
  it('judges against the calibrated value unless an override matches', () => {
    const config = detectorConfigSchema.parse({
      threshold: { type: 'quantile', q: 0.5 },
      overrides: [{ asset: 'press-*', threshold: 10 }],
    });
    const calibration = calibrateThreshold(held, config.threshold);
    const thresholds = createAssetThresholds({ ...config, calibration });
    expect(thresholds.judge('pump-1', 3)).toEqual({
      threshold: calibration.value,
      ratio: 3 / calibration.value,
      source: 'calibrated',
    });
    expect(thresholds.judge('press-2', 3)).toEqual({ threshold: 10, ratio: 0.3, source: 'override' });
  });

  it('warms up a dynamic threshold per asset, floored at the calibrated value, and resumes it', () => {
    const config = detectorConfigSchema.parse({
      threshold: { type: 'dynamic', windowSize: 50, minScores: 20 },
    });
    const calibration = calibrateThreshold(held, config.threshold);
    const thresholds = createAssetThresholds({ ...config, calibration });
    const judged = held.slice(0, 30).map((s) => thresholds.judge('pump-1', s));
    expect(judged.slice(0, 19).every((j) => j.ratio === null && j.source === 'dynamic')).toBe(true);
    expect(judged.slice(19).every((j) => (j.threshold ?? 0) >= calibration.value)).toBe(true);
    // Another asset has its own window and is still warming up.
    expect(thresholds.judge('pump-2', 1).ratio).toBeNull();

    const resumed = createAssetThresholds({ ...config, calibration, history: thresholds.snapshot() });
    expect(resumed.judge('pump-1', 5)).toEqual(thresholds.judge('pump-1', 5));
  });
});
