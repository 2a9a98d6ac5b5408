import { describe, expect, it } from 'vitest';
import type { AnomalySpec } from './anomaly.js';
import { createPlant, type PlantTick } from './plant.js';

const startMs = Date.UTC(2026, 0, 5, 0, 0, 0);
const periodMs = 10_000;
const hourMs = 3_600_000;
const endMs = startMs + 30 * hourMs;
const anomalyStartMs = startMs + 12 * hourMs;
const durationMs = 8 * hourMs;
const anomalyEndMs = anomalyStartMs + durationMs;
const channels = [
  'speed_rpm',
  'flow_m3h',
  'discharge_pressure_bar',
  'motor_current_a',
  'bearing_temp_c',
  'vibration_rms_mms',
];

function run(anomalies: AnomalySpec[]): PlantTick[] {
  return [...createPlant({ assets: 2, kind: 'pump', seed: 7, startMs, periodMs, anomalies }).generate(endMs)];
}

const baseline = run([]);
const isInside = (t: PlantTick): boolean => t.timestampMs >= anomalyStartMs && t.timestampMs < anomalyEndMs;

function series(
  ticks: PlantTick[],
  channel: string,
  where: (t: PlantTick) => boolean,
  asset = 0,
): (number | undefined)[] {
  const c = channels.indexOf(channel);
  return ticks.filter(where).map((t) => t.frames[asset].values[c]);
}

function correlation(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

function plant(kind: AnomalySpec['kind'], channel: string | undefined, magnitude?: number): PlantTick[] {
  return run([{ asset: 'pump-001', channel, kind, startMs: anomalyStartMs, durationMs, magnitude }]);
}

/** Deviation of the injected run from the baseline, per tick, for one channel of pump-001. */
function deviation(ticks: PlantTick[], channel: string, where: (t: PlantTick) => boolean): number[] {
  const injected = series(ticks, channel, where) as number[];
  const normal = series(baseline, channel, where) as number[];
  return injected.map((v, i) => v - normal[i]);
}

const before = (t: PlantTick): boolean => t.timestampMs < anomalyStartMs;
const outside = (t: PlantTick): boolean => !isInside(t);

describe.each([
  ['spike', 'motor_current_a'],
  ['drift', 'discharge_pressure_bar'],
  ['stuck', 'flow_m3h'],
  ['noise-burst', 'bearing_temp_c'],
  ['correlation-break', 'flow_m3h'],
  ['dropout', 'vibration_rms_mms'],
] as const)('%s on %s', (kind, channel) => {
  const ticks = plant(kind, channel);

  it('changes nothing outside its interval, on no other channel and no other asset', () => {
    expect(ticks.filter(outside)).toEqual(baseline.filter(outside));
    for (const other of channels.filter((c) => c !== channel)) {
      expect(series(ticks, other, isInside)).toEqual(series(baseline, other, isInside));
    }
    expect(ticks.map((t) => t.frames[1])).toEqual(baseline.map((t) => t.frames[1]));
  });

  it('changes the channel inside its interval', () => {
    expect(series(ticks, channel, isInside)).not.toEqual(series(baseline, channel, isInside));
  });

  it('is labelled once, at its first tick, with its interval', () => {
    const labelled = ticks.filter((t) => t.labels.length > 0);
    expect(labelled.map((t) => t.timestampMs)).toEqual([anomalyStartMs]);
    expect(labelled[0].labels).toEqual([
      expect.objectContaining({
        asset: 'pump-001',
        channels: [channel],
        kind,
        startMs: anomalyStartMs,
        endMs: anomalyEndMs,
      }),
    ]);
    expect(baseline.every((t) => t.labels.length === 0)).toBe(true);
  });
});

describe('what each injector does inside its interval', () => {
  it('spike: isolated large deviations, never two ticks in a row', () => {
    const ticks = plant('spike', 'motor_current_a', 0.25);
    const d = deviation(ticks, 'motor_current_a', isInside);
    const injected = series(ticks, 'motor_current_a', isInside);
    const isSpike = d.map((v) => v !== 0);
    expect(isSpike[0]).toBe(true);
    expect(isSpike.filter(Boolean).length).toBeGreaterThan(d.length * 0.05);
    expect(isSpike.filter(Boolean).length).toBeLessThan(d.length * 0.3);
    for (let i = 1; i < isSpike.length; i++) expect(isSpike[i] && isSpike[i - 1]).toBe(false);
    // Every spike is at least 0.8 × 0.25 × 60 A, unless the transmitter clamped it at 0 A (machine stopped).
    const small = d.filter((v, i) => isSpike[i] && Math.abs(v) < 0.8 * 0.25 * 60 - 0.1 && injected[i] !== 0);
    expect(small).toEqual([]);
  });

  it('drift: a monotone offset growing to magnitude × span', () => {
    const d = deviation(plant('drift', 'discharge_pressure_bar', 0.2), 'discharge_pressure_bar', isInside);
    // Quantization to 0.01 bar may make neighbours tie or dip by one step; the trend is monotone.
    for (let i = 1; i < d.length; i++) expect(d[i]).toBeGreaterThanOrEqual(d[i - 1] - 0.011);
    expect(d[0]).toBeLessThan(0.02);
    expect(d.at(-1)).toBeGreaterThan(0.2 * 10 * 0.95);
    expect(d.at(-1)).toBeLessThanOrEqual(0.2 * 10 + 0.01);
  });

  it('stuck: the value freezes at the last reading before the interval (zero variance)', () => {
    const ticks = plant('stuck', 'flow_m3h');
    const inside = series(ticks, 'flow_m3h', isInside);
    const lastBefore = series(baseline, 'flow_m3h', before).at(-1);
    expect(new Set(inside)).toEqual(new Set([lastBefore]));
    expect(new Set(series(baseline, 'flow_m3h', isInside)).size).toBeGreaterThan(10);
  });

  it('noise-burst: the spread grows, the mean stays', () => {
    const d = deviation(plant('noise-burst', 'bearing_temp_c', 0.05), 'bearing_temp_c', isInside);
    const mean = d.reduce((s, v) => s + v, 0) / d.length;
    const std = Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / d.length);
    expect(std).toBeGreaterThan(0.05 * 100 * 0.9);
    expect(std).toBeLessThan(0.05 * 100 * 1.1);
    expect(Math.abs(mean)).toBeLessThan(0.5);
  });

  it('correlation-break: flow stops following speed inside the interval', () => {
    const ticks = plant('correlation-break', 'flow_m3h', 0.35);
    const speedIn = series(ticks, 'speed_rpm', isInside) as number[];
    const flowIn = series(ticks, 'flow_m3h', isInside) as number[];
    const normalFlowIn = series(baseline, 'flow_m3h', isInside) as number[];
    const speedOut = series(ticks, 'speed_rpm', outside) as number[];
    const flowOut = series(ticks, 'flow_m3h', outside) as number[];
    // The same interval without the anomaly: flow follows speed there too, so the drop is the injector's doing.
    expect(correlation(speedIn, normalFlowIn)).toBeGreaterThan(0.9);
    expect(correlation(speedOut, flowOut)).toBeGreaterThan(0.9);
    expect(Math.abs(correlation(speedIn, flowIn))).toBeLessThan(0.5);
    const meanIn = flowIn.reduce((s, v) => s + v, 0) / flowIn.length;
    const normalMeanIn = normalFlowIn.reduce((s, v) => s + v, 0) / normalFlowIn.length;
    expect(meanIn).toBeLessThan(normalMeanIn * 0.8);
  });

  it('dropout: no reading at all inside the interval', () => {
    const values = series(plant('dropout', 'vibration_rms_mms'), 'vibration_rms_mms', isInside);
    expect(values.length).toBeGreaterThan(0);
    expect(values.every((v) => v === undefined)).toBe(true);
  });

  it('degradation: vibration and bearing temperature creep up; speed, flow and pressure stay', () => {
    const ticks = plant('degradation', undefined, 0.6);
    expect(ticks.filter(before)).toEqual(baseline.filter(before));
    for (const channel of ['speed_rpm', 'flow_m3h', 'discharge_pressure_bar', 'motor_current_a']) {
      expect(series(ticks, channel, isInside)).toEqual(series(baseline, channel, isInside));
    }
    const vib = deviation(ticks, 'vibration_rms_mms', isInside);
    const temp = deviation(ticks, 'bearing_temp_c', isInside);
    const hourly = (d: number[]): number[] =>
      Array.from({ length: 8 }, (_, h) => {
        const part = d.slice(h * 360, (h + 1) * 360);
        return part.reduce((s, v) => s + v, 0) / part.length;
      });
    const vibHourly = hourly(vib);
    const tempHourly = hourly(temp);
    for (let h = 1; h < 8; h++) {
      expect(vibHourly[h]).toBeGreaterThan(vibHourly[h - 1]);
      expect(tempHourly[h]).toBeGreaterThan(tempHourly[h - 1]);
    }
    expect(vibHourly[7]).toBeGreaterThan(1);
    expect(tempHourly[7]).toBeGreaterThan(3);
    expect(ticks.find((t) => t.labels.length > 0)?.labels[0].channels).toEqual([
      'bearing_temp_c',
      'vibration_rms_mms',
    ]);
  });
});

describe('schedule validation', () => {
  it('rejects an unknown asset or channel, naming the entry', () => {
    expect(() =>
      run([{ asset: 'pump-009', channel: 'flow_m3h', kind: 'spike', startMs, durationMs: 1000 }]),
    ).toThrow(/anomalies\[0\]\.asset "pump-009"/);
    expect(() =>
      run([
        { asset: 'pump-001', channel: 'flow_m3h', kind: 'spike', startMs, durationMs: 1000 },
        { asset: 'pump-001', channel: 'flow', kind: 'drift', startMs, durationMs: 1000 },
      ]),
    ).toThrow(/anomalies\[1\]\.channel "flow".*flow_m3h/);
  });
});

describe('random anomalies', () => {
  it('draws anomalies at about the given rate, labels them, and repeats with the same seed', () => {
    const make = (seed: number): PlantTick[] => [
      ...createPlant({
        assets: 4,
        kind: 'pump',
        seed,
        startMs,
        periodMs: 60_000,
        randomAnomalies: { ratePerHour: 0.25, kinds: ['spike', 'stuck', 'dropout', 'correlation-break'] },
      }).generate(startMs + 200 * hourMs),
    ];
    const ticks = make(3);
    const labels = ticks.flatMap((t) => t.labels);
    // 4 assets × 200 h at 0.25/h, less the time spent inside anomalies: roughly 150–200.
    expect(labels.length).toBeGreaterThan(100);
    expect(labels.length).toBeLessThan(220);
    expect(new Set(labels.map((l) => l.kind))).toEqual(
      new Set(['spike', 'stuck', 'dropout', 'correlation-break']),
    );
    for (const label of labels.filter((l) => l.kind === 'correlation-break')) {
      expect(['flow_m3h', 'discharge_pressure_bar']).toContain(label.channels[0]);
    }
    // Labels per asset do not overlap and each starts at the first tick at or after its start.
    for (const asset of ['pump-001', 'pump-002', 'pump-003', 'pump-004']) {
      const mine = labels.filter((l) => l.asset === asset);
      for (let i = 1; i < mine.length; i++) expect(mine[i].startMs).toBeGreaterThanOrEqual(mine[i - 1].endMs);
    }
    for (const tick of ticks) {
      for (const label of tick.labels) {
        expect(tick.timestampMs).toBeGreaterThanOrEqual(label.startMs);
        expect(tick.timestampMs - label.startMs).toBeLessThan(60_000);
      }
    }
    expect(make(3)).toEqual(ticks);
    expect(make(4).flatMap((t) => t.labels)).not.toEqual(labels);
  });
});
