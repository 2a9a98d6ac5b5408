// The simulator benchmark: plant readings generated per second in-process, rows
// per second to CSV, and JSON messages per second published with QoS 1 to the
// real Mosquitto (skipped with a reason when it is not reachable).
// Prints exactly one JSON object on stdout.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSilentLogger } from '../../../core/index.js';
import { simulateOptionsSchema } from '../config.js';
import { createPlant } from '../plant.js';
import { runSimulation } from '../run-simulation.js';

const brokerUrl =
  process.env.MOSQUITTO_URL ?? process.env.GRUWATCH_TEST_MOSQUITTO_URL ?? 'mqtt://127.0.0.1:18830';
const startMs = Date.UTC(2026, 0, 5);
const assets = 100;
const channels = 6;

function benchPlant(): { assets: number; ticks: number; readingsPerSecond: number } {
  const plant = createPlant({
    assets,
    kind: 'pump',
    seed: 1,
    startMs,
    periodMs: 1000,
    randomAnomalies: { ratePerHour: 0.5, kinds: ['spike', 'drift', 'stuck', 'noise-burst', 'dropout'] },
  });
  const ticks = 7200;
  const t0 = performance.now();
  let readings = 0;
  for (const tick of plant.generate(startMs + ticks * 1000)) {
    for (const frame of tick.frames) for (const v of frame.values) if (v !== undefined) readings++;
  }
  return { assets, ticks, readingsPerSecond: Math.round(readings / ((performance.now() - t0) / 1000)) };
}

async function benchRun(
  target: unknown,
  ticks: number,
): Promise<{ ticks: number; messagesPerSecond: number; readingsPerSecond: number }> {
  const options = simulateOptionsSchema.parse({
    assets,
    seed: 1,
    periodMs: 1000,
    startMs: Math.floor(Date.now() / 1000) * 1000 - ticks * 1000,
    durationMs: ticks * 1000,
    pace: 'fast',
    target,
  });
  const t0 = performance.now();
  const counters = await runSimulation(options, { logger: createSilentLogger() }).done;
  const seconds = (performance.now() - t0) / 1000;
  return {
    ticks: counters.ticks,
    messagesPerSecond: Math.round(counters.messages / seconds),
    readingsPerSecond: Math.round(counters.readings / seconds),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'gruwatch-sim-bench-'));
const result: Record<string, unknown> = { node: process.version, assets, channels };
try {
  result.plant = benchPlant();
  result.csv = await benchRun({ type: 'csv', dir }, 3600);
  try {
    result.mqttJson = {
      url: brokerUrl,
      ...(await benchRun({ type: 'mqtt', url: brokerUrl, format: 'json', site: 'bench' }, 300)),
    };
  } catch (err) {
    result.mqttJson = { url: brokerUrl, skipped: (err as Error).message };
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify(result)}\n`);
