import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSilentLogger, isPipelineError, ManualClock } from '../../core/index.js';
import type { GroundTruthLabel } from './anomaly.js';
import { type SimulateOptionsInput, simulateOptionsSchema } from './config.js';
import { createPlant } from './plant.js';
import { runSimulation } from './run-simulation.js';

const startMs = Date.UTC(2026, 2, 1, 6, 0, 0);
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gruwatch-sim-'));
  dirs.push(dir);
  return dir;
}
const deps = { logger: createSilentLogger(), clock: new ManualClock(startMs) };

function csvRun(dir: string, extra: Partial<SimulateOptionsInput> = {}) {
  return runSimulation(
    simulateOptionsSchema.parse({
      assets: 2,
      seed: 9,
      periodMs: 5000,
      startMs,
      durationMs: 3_600_000,
      target: { type: 'csv', dir },
      labelsFile: join(dir, 'labels.jsonl'),
      anomalies: {
        type: 'schedule',
        items: [
          {
            asset: 'pump-002',
            channel: 'flow_m3h',
            kind: 'dropout',
            startMs: startMs + 600_000,
            durationMs: 300_000,
          },
          { asset: 'pump-001', kind: 'degradation', startMs: startMs + 1_200_000, durationMs: 1_200_000 },
        ],
      },
      ...extra,
    }),
    deps,
  );
}

describe('runSimulation to CSV', () => {
  it('writes one SKAB-layout file per asset with anomaly and changepoint columns matching the labels', async () => {
    const dir = tempDir();
    const counters = await csvRun(dir).done;
    expect(readdirSync(dir).sort()).toEqual(['labels.jsonl', 'pump-001.csv', 'pump-002.csv']);
    expect(counters).toMatchObject({
      ticks: 720,
      messages: 1440,
      labels: 2,
      lastTimestampMs: startMs + 3_600_000 - 5000,
    });
    // 2 assets × 6 channels × 720 ticks, less pump-002's flow during its 300 s dropout (60 ticks).
    expect(counters.readings).toBe(2 * 6 * 720 - 60);

    const labels = readFileSync(join(dir, 'labels.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as GroundTruthLabel);
    expect(labels).toEqual([
      {
        asset: 'pump-002',
        channels: ['flow_m3h'],
        kind: 'dropout',
        startMs: startMs + 600_000,
        endMs: startMs + 900_000,
        magnitude: 0,
      },
      {
        asset: 'pump-001',
        channels: ['bearing_temp_c', 'vibration_rms_mms'],
        kind: 'degradation',
        startMs: startMs + 1_200_000,
        endMs: startMs + 2_400_000,
        magnitude: 0.6,
      },
    ]);

    for (const asset of ['pump-001', 'pump-002']) {
      const lines = readFileSync(join(dir, `${asset}.csv`), 'utf8')
        .trimEnd()
        .split('\n');
      expect(lines[0]).toBe(
        'datetime;speed_rpm;flow_m3h;discharge_pressure_bar;motor_current_a;bearing_temp_c;vibration_rms_mms;anomaly;changepoint',
      );
      const rows = lines.slice(1).map((l) => l.split(';'));
      expect(rows).toHaveLength(720);
      expect(rows.every((r) => r.length === 9)).toBe(true);
      expect(rows[0][0]).toBe('2026-03-01 06:00:00');
      expect(rows[1][0]).toBe('2026-03-01 06:00:05');
      const label = labels.find((l) => l.asset === asset)!;
      rows.forEach((row, i) => {
        const t = startMs + i * 5000;
        const inside = t >= label.startMs && t < label.endMs;
        expect(row[7]).toBe(inside ? '1' : '0');
        expect(row[8]).toBe(t === label.startMs || t === label.endMs ? '1' : '0');
        const isDropped = asset === 'pump-002' && inside;
        expect(row[2] === '').toBe(isDropped);
        if (!isDropped)
          for (const cell of row.slice(1, 7)) expect(Number.isFinite(Number.parseFloat(cell))).toBe(true);
      });
    }
  });

  it('writes the same values the plant generates, and the same bytes for the same seed', async () => {
    const first = tempDir();
    const second = tempDir();
    await csvRun(first).done;
    await csvRun(second).done;
    const read = (dir: string, name: string): string => readFileSync(join(dir, name), 'utf8');
    for (const name of ['pump-001.csv', 'pump-002.csv', 'labels.jsonl'])
      expect(read(second, name)).toBe(read(first, name));

    const plant = createPlant({ assets: 2, kind: 'pump', seed: 9, startMs, periodMs: 5000 });
    const tick = [...plant.generate(startMs + 50_000)].at(-1)!;
    const row = read(first, 'pump-001.csv').split('\n')[10].split(';');
    expect(row.slice(1, 7).map(Number)).toEqual(tick.frames[0].values);
    const other = tempDir();
    await csvRun(other, { seed: 10 }).done;
    expect(read(other, 'pump-001.csv')).not.toBe(read(first, 'pump-001.csv'));
  });

  it('stops on request with the counters so far', async () => {
    const dir = tempDir();
    const handle = runSimulation(
      simulateOptionsSchema.parse({
        assets: 1,
        startMs,
        periodMs: 1000,
        target: { type: 'csv', dir },
        pace: 'fast',
        durationMs: 1e12,
      }),
      deps,
    );
    while (handle.counters().ticks < 2000) await new Promise((resolve) => setImmediate(resolve));
    const counters = await handle.stop();
    expect(counters.ticks).toBeGreaterThanOrEqual(2000);
    expect(counters.ticks).toBeLessThan(1e9);
    const rows = readFileSync(join(dir, 'pump-001.csv'), 'utf8').trimEnd().split('\n').length - 1;
    expect(rows).toBe(counters.ticks);
  });

  it('rejects an unknown anomaly channel at once, naming the entry', () => {
    expect(() =>
      csvRun(tempDir(), {
        anomalies: {
          type: 'schedule',
          items: [{ asset: 'pump-001', channel: 'rpm', kind: 'stuck', startMs, durationMs: 1000 }],
        },
      }),
    ).toThrow(/anomalies\[0\]\.channel "rpm"/);
  });

  it('fails with SIMULATOR_PUBLISH_FAILED when the CSV directory cannot be created', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), 'x');
    const error = await csvRun(join(dir, 'file', 'sub'), { labelsFile: undefined }).done.catch(
      (err: unknown) => err,
    );
    expect(isPipelineError(error, 'SIMULATOR_PUBLISH_FAILED')).toBe(true);
    expect((error as Error).message).toContain(join(dir, 'file', 'sub'));
  });
});

describe('simulateOptionsSchema', () => {
  it('fills defaults and accepts rateHz', () => {
    const options = simulateOptionsSchema.parse({
      rateHz: 4,
      target: { type: 'mqtt', url: 'mqtt://127.0.0.1:1883' },
    });
    expect(options).toMatchObject({ assets: 3, kind: 'pump', seed: 1, anomalies: { type: 'none' } });
    expect(options.target).toMatchObject({
      format: 'json',
      topicTemplate: 'plants/{site}/{asset}/telemetry',
      site: 'site-1',
    });
  });

  it('names the field at fault', () => {
    const issues = (input: unknown): string[] =>
      simulateOptionsSchema.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ??
      [];
    expect(
      issues({ periodMs: 100, rateHz: 10, target: { type: 'csv', dir: '/tmp/x' }, durationMs: 1 }),
    ).toEqual([expect.stringMatching(/^rateHz: Set `periodMs` or `rateHz`/)]);
    expect(issues({ target: { type: 'csv', dir: '/tmp/x' } })).toEqual([
      expect.stringMatching(/^durationMs: /),
    ]);
    expect(issues({ target: { type: 'mqtt', url: 'localhost:1883' } })[0]).toMatch(/^target\.url: /);
    expect(
      issues({
        target: { type: 'kafka', brokers: ['b:9092'] },
        anomalies: {
          type: 'schedule',
          items: [{ asset: 'pump-001', kind: 'spike', startMs: 0, durationMs: 1 }],
        },
      }),
    ).toEqual([expect.stringMatching(/^anomalies\.items\.0\.channel: /)]);
  });
});
