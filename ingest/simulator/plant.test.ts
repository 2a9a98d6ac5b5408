import { describe, expect, it } from 'vitest';
import { describeAssetKind } from './assets/catalog.js';
import { createPlant, type PlantTick, tickReadings } from './plant.js';

const startMs = Date.UTC(2026, 0, 5, 0, 0, 0);
const hourMs = 3_600_000;

function correlation(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
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

function column(ticks: readonly PlantTick[], asset: number, channel: number): number[] {
  return ticks.map((t) => t.frames[asset].values[channel] as number);
}

function run(kind: 'pump' | 'fan', seed: number, hours: number, periodMs = 10_000): PlantTick[] {
  const plant = createPlant({ assets: 3, kind, seed, startMs, periodMs });
  return [...plant.generate(startMs + hours * hourMs)];
}

describe.each(['pump', 'fan'] as const)('%s plant on normal data', (kind) => {
  const ticks = run(kind, 11, 48);
  const [speed, flow, pressure, current, temperature, vibration] = [0, 1, 2, 3, 4, 5];

  it('names assets kind-001… and reports every channel of the kind on every tick', () => {
    const plant = createPlant({ assets: 3, kind, seed: 1, startMs, periodMs: 1000 });
    expect(plant.assets.map((a) => a.assetId)).toEqual([`${kind}-001`, `${kind}-002`, `${kind}-003`]);
    const readings = tickReadings(plant.nextTick(), plant.assets);
    expect(readings).toHaveLength(3 * describeAssetKind(kind).channels.length);
    expect(ticks.every((t) => t.frames.every((f) => f.values.every((v) => Number.isFinite(v))))).toBe(true);
  });

  it('flow follows speed (correlation above 0.9 over two days)', () => {
    for (let a = 0; a < 3; a++) {
      expect(correlation(column(ticks, a, speed), column(ticks, a, flow))).toBeGreaterThan(0.9);
    }
  });

  it('pressure tracks speed squared between the shut-off and full-opening curves', () => {
    for (let a = 0; a < 3; a++) {
      const s = column(ticks, a, speed);
      const p = column(ticks, a, pressure);
      const top = Math.max(...s);
      // Above half speed, pressure / (speed/top)² stays within a band; below it the static head dominates.
      const ratios = s.flatMap((v, i) => (v > 0.5 * top ? [p[i] / (v / top) ** 2] : []));
      expect(ratios.length).toBeGreaterThan(ticks.length / 2);
      const median = [...ratios].sort((x, y) => x - y)[Math.floor(ratios.length / 2)];
      const outside = ratios.filter((r) => Math.abs(r / median - 1) > 0.25).length;
      expect(outside / ratios.length).toBeLessThan(0.01);
      expect(
        correlation(
          s.map((v) => v * v),
          p,
        ),
      ).toBeGreaterThan(0.95);
    }
  });

  it('current follows hydraulic load (flow × pressure)', () => {
    for (let a = 0; a < 3; a++) {
      const f = column(ticks, a, flow);
      const p = column(ticks, a, pressure);
      const load = f.map((v, i) => v * p[i]);
      expect(correlation(load, column(ticks, a, current))).toBeGreaterThan(0.95);
    }
  });

  it('bearing temperature lags the load: the cross-correlation peaks at a positive lag', () => {
    for (let a = 0; a < 3; a++) {
      const i = column(ticks, a, current);
      const t = column(ticks, a, temperature);
      let bestLag = 0;
      let best = Number.NEGATIVE_INFINITY;
      for (let lag = -360; lag <= 360; lag += 6) {
        const x = lag >= 0 ? i.slice(0, i.length - lag) : i.slice(-lag);
        const y = lag >= 0 ? t.slice(lag) : t.slice(0, t.length + lag);
        const r = correlation(x, y);
        if (r > best) {
          best = r;
          bestLag = lag;
        }
      }
      expect(bestLag).toBeGreaterThan(0);
      expect(best).toBeGreaterThan(0.5);
    }
  });

  it('vibration grows with speed squared', () => {
    for (let a = 0; a < 3; a++) {
      const s2 = column(ticks, a, speed).map((v) => v * v);
      expect(correlation(s2, column(ticks, a, vibration))).toBeGreaterThan(0.9);
    }
  });

  it('quantizes every value to the sensor resolution', () => {
    const plant = createPlant({ assets: 1, kind, seed: 3, startMs, periodMs: 1000 });
    const decimals = kind === 'pump' ? [0, 1, 2, 1, 1, 2] : [0, 0, 0, 1, 1, 2];
    for (const tick of plant.generate(startMs + 600_000)) {
      tick.frames[0].values.forEach((v, c) => {
        const scaled = (v as number) * 10 ** decimals[c];
        expect(Math.abs(scaled - Math.round(scaled))).toBeLessThan(1e-6);
      });
    }
  });
});

describe('operating regimes', () => {
  it('ramps up from standstill at the start, varies with demand and stops now and then', () => {
    const ticks = run('pump', 5, 24 * 7, 30_000);
    for (let a = 0; a < 3; a++) {
      const s = column(ticks, a, 0);
      const running = s.filter((v) => v > 500);
      expect(Math.max(...running) - Math.min(...running)).toBeGreaterThan(300);
    }
    const startUp = createPlant({ assets: 3, kind: 'pump', seed: 5, startMs, periodMs: 1000 });
    const first = [...startUp.generate(startMs + 10_000)];
    for (let a = 0; a < 3; a++) {
      const s = column(first, a, 0);
      expect(s[0]).toBeLessThan(10);
      for (let i = 1; i < s.length; i++) expect(s[i]).toBeGreaterThan(s[i - 1]);
    }
    const stoppedTicks = [0, 1, 2].map((a) => column(ticks, a, 0).filter((v, i) => i > 20 && v < 5).length);
    expect(stoppedTicks.some((n) => n > 0)).toBe(true);
  });
});

describe('repeatability', () => {
  it('the same seed gives identical output, another seed different output', () => {
    const a = run('pump', 42, 6);
    const b = run('pump', 42, 6);
    const c = run('pump', 43, 6);
    expect(b).toEqual(a);
    expect(column(c, 0, 1)).not.toEqual(column(a, 0, 1));
  });
});
