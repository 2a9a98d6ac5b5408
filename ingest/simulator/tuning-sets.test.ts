// The label-free tuning sets: chunks cut in order, faults planted where and as documented, labels
// by construction, and the SKAB layout written back readably.
import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/index.js';
import { type LabeledSeries, parseLabeledCsv } from '../labeled-csv/labeled-csv.js';
import { formatLabeledCsv } from '../labeled-csv/labeled-csv-writer.js';
import {
  buildFamilySets,
  buildTuningSets,
  familyKinds,
  plantFault,
  type TuningSetOptions,
} from './tuning-sets.js';

/** A generator whose every uniform is 0.9, so a planted step goes up. */
const upwardStep = { ...createRng(0), next: () => 0.9 };

const C = 3;
const options: TuningSetOptions = {
  chunkRows: 100,
  chunks: 4,
  trainRows: 40,
  faultFrom: 60,
  faultTo: 90,
  replayLagRows: 30,
  faultScaleFloor: 0.03,
  seed: 7,
};

/** 420 rows at 1 s: channel c is a sine of its own period plus 10·c, so every value is distinct. */
function source(): LabeledSeries {
  const N = 420;
  const values = new Float64Array(N * C);
  for (let i = 0; i < N; i++) for (let c = 0; c < C; c++) values[i * C + c] = 10 * c + Math.sin(i / (3 + c));
  return {
    channels: ['a', 'b', 'c'],
    timestampsMs: Float64Array.from({ length: N }, (_, i) => Date.UTC(2024, 0, 1) + i * 1000),
    values,
    anomaly: null,
    changepoint: null,
  };
}

describe('tuning sets', () => {
  const src = source();
  const { normal, fault } = buildTuningSets(src, options);

  it('cuts consecutive chunks and leaves the normal set as recorded, labelled normal', () => {
    expect(normal.map((f) => f.name)).toEqual([
      'normal/0.csv',
      'normal/1.csv',
      'normal/2.csv',
      'normal/3.csv',
    ]);
    expect(normal[2]!.series.timestampsMs[0]).toBe(src.timestampsMs[200]);
    expect(Array.from(normal[2]!.series.values)).toEqual(Array.from(src.values.subarray(200 * C, 300 * C)));
    for (const f of normal) {
      expect(f.series.anomaly.every((v) => v === 0)).toBe(true);
      expect(f.series.changepoint.every((v) => v === 0)).toBe(true);
    }
  });

  it('plants each kind of fault on two channels in the fault rows only, labelled there', () => {
    expect(fault.map((f) => f.fault!.kind)).toEqual(['step', 'ramp', 'noise', 'replay']);
    for (const [k, f] of fault.entries()) {
      const faulted = f.fault!.channels.map((name) => src.channels.indexOf(name));
      expect(new Set(faulted).size).toBe(2);
      const original = normal[k]!.series.values;
      for (let i = 0; i < options.chunkRows; i++) {
        const isFaultRow = i >= options.faultFrom && i < options.faultTo;
        expect(f.series.anomaly[i]).toBe(isFaultRow ? 1 : 0);
        expect(f.series.changepoint[i]).toBe(i === options.faultFrom || i === options.faultTo ? 1 : 0);
        for (let c = 0; c < C; c++) {
          const changed = f.series.values[i * C + c] !== original[i * C + c];
          expect(changed).toBe(isFaultRow && faulted.includes(c));
        }
      }
    }
    // A replay copies the channel from replayLagRows earlier.
    const replay = fault[3]!;
    const c = src.channels.indexOf(replay.fault!.channels[0]!);
    const i = options.faultFrom + 5;
    expect(replay.series.values[i * C + c]).toBe(
      normal[3]!.series.values[(i - options.replayLagRows) * C + c],
    );
  });

  it('sizes a step at three standard deviations of the chunk training rows (above the floor here)', () => {
    const step = fault[0]!;
    const c = src.channels.indexOf(step.fault!.channels[0]!);
    const original = normal[0]!.series.values;
    let sum = 0;
    for (let i = 0; i < options.trainRows; i++) sum += original[i * C + c]!;
    const mean = sum / options.trainRows;
    let sumSq = 0;
    for (let i = 0; i < options.trainRows; i++) sumSq += (original[i * C + c]! - mean) ** 2;
    const sigma = Math.sqrt(sumSq / options.trainRows);
    expect(sigma).toBeGreaterThan(options.faultScaleFloor * Math.abs(mean) * 1.5);
    const i = options.faultFrom + 1;
    expect(Math.abs(step.series.values[i * C + c]! - original[i * C + c]!)).toBeCloseTo(3 * sigma, 9);
  });

  it('sizes faults on a quiet channel at the scale floor, a fraction of its level, not at its tiny σ', () => {
    // One channel at 100 with noise of σ ≈ 0.007: 3 % of the level (3) is far above σ.
    const N = options.chunkRows;
    const values = Float64Array.from({ length: N }, (_, i) => 100 + 0.01 * Math.sin(i));
    const series = {
      channels: ['quiet'],
      timestampsMs: Float64Array.from({ length: N }, (_, i) => i * 1000),
      values,
      anomaly: new Uint8Array(N),
      changepoint: new Uint8Array(N),
    };
    const original = values.slice();
    plantFault(series, 0, 'step', options, upwardStep);
    const i = options.faultFrom + 3;
    const median = [...original.subarray(0, options.trainRows)].sort((a, b) => a - b);
    const level = (median[options.trainRows / 2 - 1]! + median[options.trainRows / 2]!) / 2;
    expect(values[i]! - original[i]!).toBeCloseTo(3 * 0.03 * level, 9);
    // Without the floor the same step is three standard deviations: a hundredth of the floored one.
    const unfloored = original.slice();
    plantFault({ ...series, values: unfloored }, 0, 'step', { ...options, faultScaleFloor: 0 }, upwardStep);
    expect(unfloored[i]! - original[i]!).toBeLessThan(0.03);
    expect(unfloored[i]! - original[i]!).toBeGreaterThan(0.01);
  });

  it('writes files that the eval reader reads back with the same labels', () => {
    const file = fault[1]!;
    const back = parseLabeledCsv(formatLabeledCsv(file.series), 'fault/1.csv');
    expect(back.channels).toEqual(src.channels);
    expect(Array.from(back.anomaly!)).toEqual(Array.from(file.series.anomaly));
    expect(Array.from(back.changepoint!)).toEqual(Array.from(file.series.changepoint));
    expect(Array.from(back.timestampsMs)).toEqual(Array.from(file.series.timestampsMs));
    expect(Array.from(back.values)).toEqual(Array.from(file.series.values));
  });

  it('refuses a source too short for the chunks asked for', () => {
    expect(() => buildTuningSets(src, { ...options, chunks: 5 })).toThrow(/cannot cut 5 chunks of 100 rows/);
  });

  it('builds every family on the chunks that carry it, labelled by construction', () => {
    const families = buildFamilySets(src, options);
    // chunks 0 and 2 of the 4 cut here
    expect(families.map((f) => f.name)).toEqual(
      familyKinds.flatMap((kind) => [`${kind}/0.csv`, `${kind}/2.csv`]),
    );
    const labelled = (name: string) => Array.from(families.find((f) => f.name === name)!.series.anomaly);
    const rows = (from: number, to: number) =>
      Array.from({ length: options.chunkRows }, (_, i) => (i >= from && i < to ? 1 : 0));
    // New steady levels are normal; faults that last to the end are labelled to the end.
    expect(labelled('setpoint/0.csv')).toEqual(rows(0, 0));
    expect(labelled('aftermath/0.csv')).toEqual(rows(options.faultFrom, options.faultTo));
    for (const kind of ['persistent', 'drift', 'compensated', 'held-step'])
      expect(labelled(`${kind}/2.csv`)).toEqual(rows(options.faultFrom, options.chunkRows));
    for (const kind of ['variance', 'quiet'])
      expect(labelled(`${kind}/0.csv`)).toEqual(rows(options.faultFrom, options.faultTo));
    // A set-point change and an aftermath leave one or two channels off their recorded level to the end.
    const off = (name: string, k: number) => {
      const file = families.find((f) => f.name === name)!;
      const last = (options.chunkRows - 1) * C;
      return src.channels.filter(
        (_, c) => file.series.values[last + c] !== normal[k]!.series.values[last + c],
      );
    };
    expect(off('setpoint/0.csv', 0)).toHaveLength(2);
    expect(off('aftermath/2.csv', 2)).toHaveLength(1);
    expect(off('compensated/0.csv', 0)).toHaveLength(1);
    expect(off('held-step/0.csv', 0)).toHaveLength(2);
    expect(new Set(families.find((f) => f.name === 'compensated/0.csv')!.fault!.channels).size).toBe(3);
  });
});
