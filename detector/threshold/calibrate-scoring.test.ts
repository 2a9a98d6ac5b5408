// Calibration of the scoring path: channel spreads measured on held-out windows, scores in the
// units the threshold is calibrated in, and the live monitor following the stored spreads. The
// quiet-channel case shows what per-channel normalization is for.
import { describe, expect, it } from 'vitest';
import { createRng, isPipelineError } from '../../core/index.js';
import { createAssetMonitor } from '../asset-monitor.js';
import { type DetectorConfig, detectorConfigSchema } from '../config.js';
import type { ResidualWindow } from '../residual-scorer.js';
import { calibrateScoring, measureChannelSpread } from './calibrate-scoring.js';
import { calibrationSchema } from './calibrate-threshold.js';

const channels = ['current', 'voltage', 'pressure', 'thermocouple'];
const C = channels.length;
const T = 4;
/** Residual noise level per channel: three noisy channels and one quiet one. */
const noise = [1, 1, 1, 0.05];

/** Normal residual windows, plus `fault` added to channel `faultChannel` at every step. */
function windows(count: number, seed: number, fault = 0, faultChannel = 3): ResidualWindow[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => {
    const residuals = new Float32Array(T * C);
    for (let t = 0; t < T; t++) {
      for (let c = 0; c < C; c++)
        residuals[t * C + c] = noise[c] * rng.gaussian() + (c === faultChannel ? fault : 0);
    }
    return { assetId: 'pump-1', residuals, T, C, channels };
  });
}

function config(scoring: Record<string, unknown>): DetectorConfig {
  return detectorConfigSchema.parse({
    scoring: { aggregate: 'mse_window', hopSteps: 1, ...scoring },
    threshold: { type: 'mean_k_sigma', k: 4, robust: true },
    alerts: { minAboveMs: 0, clearBelowMs: 0, cooldownMs: 0, flapping: { enabled: false } },
  });
}

/** Share of `faulty` windows the monitor alerts on, with the model calibrated on `heldOut`. */
function alertedShare(cfg: DetectorConfig, heldOut: ResidualWindow[], faulty: ResidualWindow[]): number {
  const { calibration } = calibrateScoring(heldOut, cfg);
  // The monitor reads the calibration as the service does: from the artifact's JSON.
  const stored = calibrationSchema.parse(JSON.parse(JSON.stringify(calibration)));
  const monitor = createAssetMonitor({ config: cfg, calibrationFor: () => stored });
  let open = 0;
  faulty.forEach((w, i) => {
    const result = monitor.observe(
      { assetId: w.assetId, atMs: i * 1000, state: 'ok', channels, T, values: new Float32Array(T * C) },
      w.residuals,
    );
    if (result.status === 'alerting') open++;
  });
  return open / faulty.length;
}

describe('calibrateScoring', () => {
  const heldOut = windows(300, 1);

  it("measures each channel's mean squared residual on the held-out windows", () => {
    // A floor below the quiet channel's level, so every spread is measured, not floored.
    const spread = measureChannelSpread(heldOut, config({ channelSpreadFloor: 0.001 }).scoring);
    expect(spread).toHaveLength(C);
    for (let c = 0; c < C; c++) expect(spread[c]! / noise[c]! ** 2).toBeGreaterThan(0.85);
    for (let c = 0; c < C; c++) expect(spread[c]! / noise[c]! ** 2).toBeLessThan(1.15);
  });

  it('floors a near-silent channel at a share of the mean spread', () => {
    const silent = windows(50, 2).map((w) => {
      const residuals = w.residuals.slice();
      for (let t = 0; t < T; t++) residuals[t * C + 3] = 0;
      return { ...w, residuals };
    });
    const spread = measureChannelSpread(silent, config({ channelSpreadFloor: 0.2 }).scoring);
    const mean = spread.reduce((a, b) => a + b, 0) / C;
    expect(spread[3]).toBeGreaterThan(0);
    // The floor is 0.2 of the mean of the measured spreads (the silent one measured 0).
    const measuredMean = (spread[0]! + spread[1]! + spread[2]!) / C;
    expect(spread[3]).toBeCloseTo(0.2 * measuredMean, 9);
    expect(spread[3]! / mean).toBeLessThan(0.2);
  });

  it('stores the spreads with the calibration only when normalization is asked for', () => {
    expect(calibrateScoring(heldOut, config({})).calibration.channelSpread).toBeUndefined();
    const { calibration } = calibrateScoring(heldOut, config({ channelNormalization: 'calibrated' }));
    expect(calibration.channelSpread).toEqual(measureChannelSpread(heldOut, config({}).scoring));
    // The threshold is in normalized units: far below the raw one, which the noisy channels set.
    const raw = calibrateScoring(heldOut, config({})).calibration;
    expect(calibration.value).not.toBeCloseTo(raw.value, 1);
  });

  it('finds a fault on a quiet channel with per-channel normalization and misses it without', () => {
    // 0.5 is ten times the quiet channel's noise but half the noisy channels' noise.
    const faulty = windows(40, 3, 0.5);
    const normal = windows(200, 4);
    const raw = config({});
    const normalized = config({ channelNormalization: 'calibrated' });
    expect(alertedShare(raw, heldOut, faulty)).toBeLessThan(0.1);
    expect(alertedShare(normalized, heldOut, faulty)).toBeGreaterThan(0.9);
    // And normal windows stay quiet either way.
    expect(alertedShare(raw, heldOut, normal)).toBeLessThan(0.05);
    expect(alertedShare(normalized, heldOut, normal)).toBeLessThan(0.05);
  });

  it('with the max over channels, one deviating channel is not diluted by the others', () => {
    // A fault of 2σ on one noisy channel of four.
    const faulty = windows(40, 5, 2, 0);
    const mean = config({ channelNormalization: 'calibrated' });
    const max = config({ channelNormalization: 'calibrated', channelAggregate: 'max' });
    const meanShare = alertedShare(mean, heldOut, faulty);
    const maxShare = alertedShare(max, heldOut, faulty);
    expect(maxShare).toBeGreaterThan(meanShare + 0.2);
    expect(maxShare).toBeGreaterThan(0.8);
  });

  it('returns the EWMA after the held-out windows, to resume from', () => {
    const cfg = config({ ewmaAlpha: 0.5 });
    const { ewma } = calibrateScoring(heldOut.slice(0, 10), cfg);
    const { ewma: longer } = calibrateScoring(heldOut.slice(0, 11), cfg);
    expect(Object.keys(ewma)).toEqual(['pump-1']);
    expect(longer['pump-1']).not.toBe(ewma['pump-1']);
  });

  it('refuses to measure spreads on no windows', () => {
    let err: unknown;
    try {
      measureChannelSpread([], config({}).scoring);
    } catch (e) {
      err = e;
    }
    expect(isPipelineError(err, 'DETECTOR_INPUT_INVALID')).toBe(true);
    expect((err as Error).message).toMatch(/zero held-out windows/);
  });
});
