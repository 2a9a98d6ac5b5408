// Model evaluation on real small autoencoders trained on a seeded synthetic plant: a better model
// scores better, incidents are recalled, scoring matches the live monitor, broken data gives NaN.
import { describe, expect, it } from 'vitest';
import { isPipelineError } from '../../core/index.js';
import { generateSeries, type PlantedAnomaly, sliceWindows } from '../../model/bench/synthetic-series.js';
import {
  createReconstructor,
  fitNormalizer,
  type Normalizer,
  normalizeInto,
  trainAutoencoder,
} from '../../model/index.js';
import { createAssetMonitor } from '../asset-monitor.js';
import { type DetectorConfig, detectorConfigSchema } from '../config.js';
import { createResidualScorer } from '../residual-scorer.js';
import { calibrateThreshold } from '../threshold/calibrate-threshold.js';
import { evaluateModel, type ModelUnderTest, type WindowSequence } from './evaluate-model.js';

const dims = { C: 4, T: 16, H: 16 };
const { C, T } = dims;
const channels = ['a', 'b', 'c', 'd'];
const hop = 4;
const detector: DetectorConfig = detectorConfigSchema.parse({
  scoring: { aggregate: 'mse_window' },
  threshold: { type: 'quantile', q: 0.99 },
});

/** Windows (T, C) in sensor units of a plant series, one array per window. */
function windowsOf(seed: number, steps: number, startStep: number, anomalies: PlantedAnomaly[] = []) {
  const series = generateSeries(C, steps, seed, anomalies, startStep);
  const set = sliceWindows(series, T, hop);
  return {
    windows: Array.from({ length: set.count }, (_, w) => set.values.slice(w * T * C, (w + 1) * T * C)),
    labels: set.labels,
  };
}

/** Trains on `seed`'s plant and calibrates the threshold on the following stretch, as fitting a model does. */
function trainPlantModel(seed: number, epochs: number): ModelUnderTest & { normalizer: Normalizer } {
  const series = generateSeries(C, 1200, seed);
  const normalizer = fitNormalizer(series.values, C);
  const normalized = new Float32Array(series.values.length);
  normalizeInto(normalized, series.values, normalizer);
  const trainWindows = sliceWindows({ ...series, values: normalized }, T, hop).values;
  const { model } = trainAutoencoder(trainWindows, {
    dims,
    epochs,
    batchSize: 16,
    learningRate: 0.01,
    clipNorm: 1,
    validationFraction: 0,
    patience: 0,
    seed: 11,
    nowMs: () => 0,
  });
  const reconstructor = createReconstructor(model, { normalizer });
  const residualScorer = createResidualScorer({ scoring: detector.scoring, topChannels: 3 });
  const scores = windowsOf(seed, 400, 1200).windows.map(
    (w) =>
      residualScorer.score({
        assetId: 'calibration',
        residuals: reconstructor.reconstruct(w).residuals,
        T,
        C,
        channels,
      }).score,
  );
  return { reconstructor, normalizer, calibration: calibrateThreshold(scores, detector.threshold) };
}

const plantSeed = 3;
const good = trainPlantModel(plantSeed, 15);
const barely = trainPlantModel(plantSeed, 1);
const stale = trainPlantModel(29, 15); // another plant's model: wrong relationships between channels
const holdout: WindowSequence[] = [{ assetId: 'pump-1', windows: windowsOf(plantSeed, 500, 1600).windows }];
const spiked = windowsOf(plantSeed, 200, 2100, [
  { kind: 'spike', startStep: 40, lengthSteps: 120, channel: 1 },
]);
const incidentWindows = spiked.windows.filter((_, w) => spiked.labels[w] !== 0);
const incidents: WindowSequence[] = [{ assetId: 'pump-1', windows: incidentWindows }];
const options = { detector, referenceScale: good.normalizer.scale, T, channels };

describe('evaluateModel on trained models', () => {
  const ofGood = evaluateModel(good, { holdout, incidents }, options);
  const ofBarely = evaluateModel(barely, { holdout, incidents }, options);
  const ofStale = evaluateModel(stale, { holdout, incidents }, options);

  it('counts the holdout and incident windows and reports the calibrated threshold', () => {
    expect(ofGood.windows).toBe(holdout[0]!.windows.length);
    expect(ofGood.incidentWindows).toBe(incidentWindows.length);
    expect(ofGood.threshold).toBe(good.calibration.value);
  });

  it('gives the well-trained model a lower mean error than the barely trained one', () => {
    expect(ofGood.meanError).toBeLessThan(ofBarely.meanError / 2);
  });

  it("gives another plant's model a higher false-alarm rate and error on this plant's data", () => {
    expect(ofGood.falseAlarmRate).toBeLessThan(0.1);
    expect(ofStale.falseAlarmRate).toBeGreaterThan(ofGood.falseAlarmRate + 0.3);
    expect(ofStale.meanError).toBeGreaterThan(ofGood.meanError * 2);
  });

  it('recalls windows with a planted spike, and reports no recall without incidents', () => {
    expect(incidentWindows.length).toBeGreaterThan(10);
    expect(ofGood.incidentRecall).toBeGreaterThan(0.9);
    expect(ofBarely.incidentRecall).toBeLessThan(ofGood.incidentRecall! - 0.2);
    expect(evaluateModel(good, { holdout, incidents: [] }, options).incidentRecall).toBeNull();
  });

  it('expresses the mean error in the reference scale: twice the scale, a quarter of the error', () => {
    const doubled = good.normalizer.scale.map((s) => 2 * s);
    const inDoubled = evaluateModel(
      good,
      { holdout, incidents: [] },
      { ...options, referenceScale: doubled },
    );
    expect(inDoubled.meanError).toBeCloseTo(ofGood.meanError / 4, 10);
    // In its own scale, the error is the mean of the model's squared normalized residuals.
    let sum = 0;
    for (const w of holdout[0]!.windows)
      for (const r of good.reconstructor.reconstruct(w).residuals) sum += r * r;
    expect(ofGood.meanError).toBeCloseTo(sum / (holdout[0]!.windows.length * T * C), 8);
  });
});

describe('evaluateModel scores as live detection does', () => {
  const smoothed = detectorConfigSchema.parse({
    scoring: { aggregate: 'mse_window', ewmaAlpha: 0.2 },
    threshold: { type: 'quantile', q: 0.99 },
  });
  const normal = holdout[0]!.windows.slice(0, 40);

  it('flags the same windows as the asset monitor with EWMA smoothing', () => {
    const sequence = [...incidentWindows, ...normal];
    const monitor = createAssetMonitor({ config: smoothed, calibrationFor: () => good.calibration });
    let flagged = 0;
    sequence.forEach((values, w) => {
      const window = { assetId: 'pump-1', atMs: w * 4_000, state: 'ok' as const, channels, T, values };
      const ratio = monitor.observe(window, good.reconstructor.reconstruct(values).residuals).scored?.ratio;
      if (ratio !== null && ratio !== undefined && ratio >= 1) flagged += 1;
    });
    const evaluation = evaluateModel(
      good,
      { holdout: [{ assetId: 'pump-1', windows: sequence }], incidents: [] },
      { ...options, detector: smoothed },
    );
    expect(flagged).toBeGreaterThan(incidentWindows.length / 2);
    expect(evaluation.falseAlarmRate * sequence.length).toBe(flagged);
  });

  it('starts a fresh smoothing state for each sequence', () => {
    const data = (holdoutSequences: WindowSequence[]) =>
      evaluateModel(good, { holdout: holdoutSequences, incidents: [] }, { ...options, detector: smoothed });
    const joined = data([{ assetId: 'pump-1', windows: [...incidentWindows, ...normal] }]);
    const apart = data([
      { assetId: 'pump-1', windows: incidentWindows },
      { assetId: 'pump-1', windows: normal },
    ]);
    const alone = data([{ assetId: 'pump-1', windows: normal }]);
    const flaggedApart = apart.falseAlarmRate * apart.windows;
    const flaggedIncidentsAlone =
      data([{ assetId: 'pump-1', windows: incidentWindows }]).falseAlarmRate * incidentWindows.length;
    // Apart, the normal windows are judged as if alone; joined, the smoothed score carries the spike over.
    expect(flaggedApart).toBe(flaggedIncidentsAlone + alone.falseAlarmRate * normal.length);
    expect(joined.falseAlarmRate * joined.windows).toBeGreaterThan(flaggedApart);
  });
});

describe('evaluateModel with broken data', () => {
  it('reports NaN figures instead of throwing when a window holds a NaN', () => {
    const broken = holdout[0]!.windows.slice(0, 5).map((w) => w.slice());
    broken[2]![7] = Number.NaN;
    const evaluation = evaluateModel(
      good,
      { holdout: [{ assetId: 'pump-1', windows: broken }], incidents },
      options,
    );
    expect(evaluation.windows).toBe(5);
    expect(evaluation.meanError).toBeNaN();
    expect(evaluation.falseAlarmRate).toBeNaN();
    expect(evaluation.incidentRecall).not.toBeNaN();
  });

  it('reports NaN figures for incidents with a NaN, and for an empty holdout', () => {
    const broken = incidentWindows.slice(0, 3).map((w) => w.slice());
    broken[0]![0] = Number.POSITIVE_INFINITY;
    const evaluation = evaluateModel(
      good,
      { holdout: [], incidents: [{ assetId: 'pump-1', windows: broken }] },
      options,
    );
    expect(evaluation.windows).toBe(0);
    expect(evaluation.falseAlarmRate).toBeNaN();
    expect(evaluation.meanError).toBeNaN();
    expect(evaluation.incidentRecall).toBeNaN();
  });

  it.each([
    ['a referenceScale of the wrong length', { referenceScale: [1, 1, 1] }, /referenceScale has 3 entries/],
    ['a zero reference scale', { referenceScale: [1, 0, 1, 1] }, /referenceScale\[1\] \(channel "b"\)/],
    ['a wrong window length', { T: T + 1 }, /holdout\[0\] \(asset "pump-1"\) window 0 has 64 values/],
  ])('throws a coded error for %s', (_name, change, message) => {
    let caught: unknown;
    try {
      evaluateModel(good, { holdout, incidents: [] }, { ...options, ...change });
    } catch (err) {
      caught = err;
    }
    expect(isPipelineError(caught, 'DETECTOR_INPUT_INVALID')).toBe(true);
    expect((caught as Error).message).toMatch(message);
  });
});
