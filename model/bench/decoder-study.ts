// Which decoder feeding separates planted anomalies better? Trains both feedings on the same seeded
// normal series and scores a later stretch with planted spikes, drifts, stuck sensors and
// correlation breaks. Prints one JSON object. Run: npm run build && node dist/model/bench/decoder-study.js

import { createRng } from '../../core/rng.js';
import type { DecoderFeeding } from '../autoencoder.js';
import { fitNormalizer, normalizeInto } from '../normalizer.js';
import { createReconstructor } from '../reconstructor.js';
import { trainAutoencoder } from '../train.js';
import {
  type AnomalyKind,
  anomalyKinds,
  generateSeries,
  type PlantedAnomaly,
  rocAuc,
  sliceWindows,
} from './synthetic-series.js';

const C = 8;
const T = 32;
const H = 32;
const trainSteps = 6000;
const calibrationSteps = 2000;
const testSteps = 6000;

function plantAnomalies(seed: number): PlantedAnomaly[] {
  const rng = createRng(seed, { algorithm: 'xoshiro128**' });
  const out: PlantedAnomaly[] = [];
  const gap = 200;
  let start = 100;
  for (let i = 0; start + gap < testSteps; i++) {
    const kind = anomalyKinds[i % anomalyKinds.length];
    const lengthSteps = kind === 'spike' ? 1 : kind === 'drift' ? 48 : 24;
    out.push({ kind, startStep: start, lengthSteps, channel: rng.int(C) });
    start += gap;
  }
  return out;
}

function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

function runStudy(feeding: DecoderFeeding, seed: number) {
  const train = generateSeries(C, trainSteps, 11);
  const norm = fitNormalizer(train.values, C);
  const calib = generateSeries(C, calibrationSteps, 11, [], trainSteps);
  const test = generateSeries(C, testSteps, 11, plantAnomalies(seed), trainSteps + calibrationSteps);
  for (const s of [train, calib, test]) normalizeInto(s.values, s.values, norm);
  const trainWindows = sliceWindows(train, T, 4);
  const { model, summary } = trainAutoencoder(trainWindows.values, {
    dims: { C, T, H },
    feeding,
    epochs: 30,
    batchSize: 32,
    learningRate: 0.003,
    clipNorm: 1,
    validationFraction: 0.2,
    patience: 5,
    seed,
  });
  const reconstructor = createReconstructor(model, { maxBatch: 1 });
  const scoreAll = (values: Float32Array, count: number) => {
    const out: number[] = [];
    for (let w = 0; w < count; w++)
      out.push(reconstructor.reconstruct(values.subarray(w * T * C, (w + 1) * T * C)).scores[0]);
    return out;
  };
  const calibWindows = sliceWindows(calib, T, 8);
  const threshold = quantile(scoreAll(calibWindows.values, calibWindows.count), 0.99);
  const testWindows = sliceWindows(test, T, 8);
  const scores = scoreAll(testWindows.values, testWindows.count);
  const normal = scores.filter((_, i) => testWindows.labels[i] === 0);
  const byKind: Record<string, { auc: number; recallAtP99: number; windows: number }> = {};
  const allAnomalous: number[] = [];
  anomalyKinds.forEach((kind: AnomalyKind, k) => {
    const pos = scores.filter((_, i) => testWindows.labels[i] === k + 1);
    allAnomalous.push(...pos);
    byKind[kind] = {
      auc: rocAuc(pos, normal),
      recallAtP99: pos.filter((s) => s > threshold).length / pos.length,
      windows: pos.length,
    };
  });
  return {
    feeding,
    seed,
    bestValidationLoss: summary.bestLoss,
    epochsRun: summary.epochsRun,
    aucAll: rocAuc(allAnomalous, normal),
    recallAtP99All: allAnomalous.filter((s) => s > threshold).length / allAnomalous.length,
    falsePositiveRateAtP99: normal.filter((s) => s > threshold).length / normal.length,
    byKind,
  };
}

const seeds = process.argv.slice(2).map(Number).filter(Number.isFinite);
const runs = [];
for (const seed of seeds.length > 0 ? seeds : [1, 2, 3]) {
  for (const feeding of ['teacher-forcing', 'latent-only'] as const) runs.push(runStudy(feeding, seed));
}
process.stdout.write(`${JSON.stringify({ C, T, H, runs }, null, 1)}\n`);
