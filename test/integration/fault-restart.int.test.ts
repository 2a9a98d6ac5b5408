// Fault matrix, part two: gruwatch SIGKILLed at random moments five times in a
// row and restarted after a random pause, and the broker (a private Mosquitto)
// restarted under a running gruwatch, side by side. Every published sequence
// number must be in a stored frame, and every window whose frames are stored
// complete must be scored, across the restarts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { counterOf, createFaultRun, type FaultCounts, fitFaultModel } from '../helpers/fault-run.js';
import { describeWithServer } from '../helpers/integration.js';
import { createPrivateMosquitto } from '../helpers/private-mosquitto.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const between = (lowMs: number, highMs: number) => lowMs + Math.random() * (highMs - lowMs);

function report(label: string, c: FaultCounts, extra: Record<string, unknown> = {}): void {
  const counts = {
    published: c.published,
    inStoredFrames: c.inStoredFrames,
    missing: c.missing.length,
    windowsComplete: c.windowsExpected,
    windowsScored: c.windowsScored,
    ...extra,
  };
  process.stderr.write(`fault matrix, ${label}: ${JSON.stringify(counts)}\n`);
}

function expectNothingLost(c: FaultCounts): void {
  expect(c.missing).toEqual([]);
  expect(c.inStoredFrames).toBe(c.published);
  expect(c.windowsNotScored).toEqual([]);
  expect(c.windowsScoredWithoutFrames).toBe(0);
  expect(c.windowsExpected).toBeGreaterThan(0);
}

describeWithServer('mosquitto', 'fault matrix: kills and broker restarts', (mosquitto) => {
  const root = mkdtempSync(join(tmpdir(), 'gruwatch-fault-restart-'));
  const registryDir = join(root, 'models');
  const shared = { host: new URL(mosquitto.url).hostname, port: Number(new URL(mosquitto.url).port) };

  beforeAll(() => fitFaultModel(registryDir), 60_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.concurrent('loses nothing when gruwatch is SIGKILLed at random moments five times and restarted after 5–15 s', async ({
    onTestFinished,
  }) => {
    const dir = mkdtempSync(join(root, 'kill-'));
    // One asset's clock runs 4 minutes ahead (within the future skew): its own readings and the
    // others' must all be framed and scored across the restarts too.
    const run = await createFaultRun({
      dir,
      registryDir,
      mqtt: shared,
      label: 'kill',
      assets: ['asset-a', 'asset-b', 'asset-ahead'],
      clockAheadMs: { 'asset-ahead': 240_000 },
    });
    onTestFinished(() => run.dispose());
    await run.startGruwatch();
    run.startPublisher();
    const pauses: number[] = [];
    for (let k = 0; k < 5; k++) {
      // Up 3–9 s after being ready, down 5–15 s: shorter than the 5–60 s of a plant, to keep the file short.
      await sleep(between(3_000, 9_000));
      await run.signal('SIGKILL');
      const downMs = Math.round(between(5_000, 15_000));
      pauses.push(downMs);
      await sleep(downMs);
      await run.startGruwatch();
    }
    await sleep(5_000);
    const late = await counterOf(run.httpPort, 'ingest_readings_dropped_total', 'reason="late"');
    const counts = await run.finish();
    report('SIGKILL ×5', counts, { downMs: pauses, lateAfterLastStart: late });
    expect(late).toBe(0);
    expectNothingLost(counts);
  }, 170_000);

  it.concurrent('loses nothing when the broker restarts under a running gruwatch (private Mosquitto)', async ({
    onTestFinished,
  }) => {
    const dir = mkdtempSync(join(root, 'broker-'));
    const broker = await createPrivateMosquitto(join(dir, 'mosquitto'));
    onTestFinished(() => broker.dispose());
    await broker.start();
    const run = await createFaultRun({ dir, registryDir, mqtt: broker, label: 'broker' });
    onTestFinished(() => run.dispose());
    await run.startGruwatch();
    run.startPublisher();
    await sleep(8_000);
    await broker.stop();
    await sleep(10_000);
    await broker.start();
    await sleep(10_000);
    await broker.stop();
    await sleep(3_000);
    await broker.start();
    await sleep(8_000);
    const late = await counterOf(run.httpPort, 'ingest_readings_dropped_total', 'reason="late"');
    const counts = await run.finish();
    report('Mosquitto restarted twice', counts, { late });
    expect(late).toBe(0);
    expectNothingLost(counts);
  }, 170_000);
});
