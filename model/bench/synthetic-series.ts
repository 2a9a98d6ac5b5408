// A seeded synthetic plant: C correlated channels mixed from a few periodic factors plus noise,
// with planted faults (spike, drift, stuck sensor, correlation break). Used by the model's tests,
// the decoder-feeding study and the benchmark; the same seed always gives the same series.
import { createRng } from '../../core/rng.js';

export type AnomalyKind = 'spike' | 'drift' | 'stuck' | 'correlation-break';

export interface PlantedAnomaly {
  kind: AnomalyKind;
  startStep: number;
  lengthSteps: number;
  channel: number;
}

export interface SyntheticSeries {
  C: number;
  steps: number;
  values: Float32Array; // (steps, C)
  /** Per step: 0 normal, else 1 + index of the anomaly kind in anomalyKinds. */
  labels: Uint8Array;
}

export const anomalyKinds: AnomalyKind[] = ['spike', 'drift', 'stuck', 'correlation-break'];

/**
 * Channel c = Σ_k mix[c][k] · factor_k(t) + offset_c + noise, factors are sines of different periods
 * with slow phase wander; `startStep` lets a test series continue where a training series ended.
 */
export function generateSeries(
  C: number,
  steps: number,
  seed: number,
  anomalies: PlantedAnomaly[] = [],
  startStep = 0,
): SyntheticSeries {
  const shape = createRng(seed, { algorithm: 'xoshiro128**' });
  const K = 3;
  const periods = [24, 57, 131];
  const mix: number[][] = [];
  const offsets: number[] = [];
  for (let c = 0; c < C; c++) {
    mix.push(Array.from({ length: K }, () => shape.uniform(-1, 1)));
    offsets.push(shape.uniform(-2, 2));
  }
  const noise = createRng(seed * 7919 + startStep + 1, { algorithm: 'xoshiro128**' });
  const values = new Float32Array(steps * C);
  const labels = new Uint8Array(steps);
  const factor = new Float64Array(K);
  const alt = new Float64Array(K);
  for (let s = 0; s < steps; s++) {
    const t = startStep + s;
    for (let k = 0; k < K; k++) {
      factor[k] = Math.sin((2 * Math.PI * t) / periods[k] + 0.3 * Math.sin(t / 400 + k));
      alt[k] = Math.sin((2 * Math.PI * t) / periods[k] + Math.PI / 2 + k);
    }
    for (let c = 0; c < C; c++) {
      let v = offsets[c];
      for (let k = 0; k < K; k++) v += mix[c][k] * factor[k];
      values[s * C + c] = v + 0.05 * noise.gaussian();
    }
  }
  for (const a of anomalies) {
    const kindCode = 1 + anomalyKinds.indexOf(a.kind);
    const end = Math.min(steps, a.startStep + a.lengthSteps);
    const c = a.channel;
    const held = values[a.startStep * C + c];
    for (let s = a.startStep; s < end; s++) {
      const i = s * C + c;
      const progress = (s - a.startStep + 1) / a.lengthSteps;
      if (a.kind === 'spike') values[i] += 1.5;
      else if (a.kind === 'drift') values[i] += 1.0 * progress;
      else if (a.kind === 'stuck') values[i] = held;
      else {
        // Same marginal range, wrong relationship to the other channels: remix with shifted phases.
        const t = startStep + s;
        let v = offsets[c];
        for (let k = 0; k < K; k++)
          v += mix[c][k] * Math.sin((2 * Math.PI * t) / periods[k] + Math.PI / 2 + k);
        values[i] = v + 0.05 * noise.gaussian();
      }
      labels[s] = kindCode;
    }
  }
  return { C, steps, values, labels };
}

export interface WindowSet {
  values: Float32Array; // (N, T, C)
  count: number;
  /** Per window: 0 normal, else the label of the first labelled step inside it. */
  labels: Uint8Array;
}

/** Cuts (T, C) windows every hop steps. */
export function sliceWindows(series: SyntheticSeries, T: number, hop: number): WindowSet {
  const { C, steps } = series;
  const count = steps >= T ? Math.floor((steps - T) / hop) + 1 : 0;
  const values = new Float32Array(count * T * C);
  const labels = new Uint8Array(count);
  for (let w = 0; w < count; w++) {
    const s0 = w * hop;
    values.set(series.values.subarray(s0 * C, (s0 + T) * C), w * T * C);
    for (let s = s0; s < s0 + T; s++) {
      if (series.labels[s] !== 0) {
        labels[w] = series.labels[s];
        break;
      }
    }
  }
  return { values, count, labels };
}

/** Area under the ROC curve of scores for positives vs negatives (ties count half). */
export function rocAuc(positive: number[], negative: number[]): number {
  if (positive.length === 0 || negative.length === 0) return Number.NaN;
  let wins = 0;
  for (const p of positive) for (const n of negative) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (positive.length * negative.length);
}
