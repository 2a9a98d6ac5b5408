// `ingest.mqtt.connections: 4` against the real Mosquitto: `gruwatch run` opens four connections
// in one shared subscription of its own, `mosquitto_pub` (QoS 1) sends one message per asset and
// period, and the broker spreads them over the connections, so an asset's messages are handled
// concurrently and out of order, and committed in groups. Every published reading must be in a
// stored frame, every complete window scored, none read twice while nothing failed and none
// counted late; and across SIGKILLs under load, with a persistent session per connection, nothing
// acknowledged is lost.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  counterOf,
  createFaultRun,
  type FaultCounts,
  fitFaultModel,
  killAndRestart,
} from '../helpers/fault-run.js';
import { describeWithServer } from '../helpers/integration.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const assets = ['asset-a', 'asset-b', 'asset-c', 'asset-d', 'asset-e', 'asset-f'];

function expectEveryReadingStored(c: FaultCounts): void {
  const { missing, inStoredFrames, windowsNotScored, windowsScoredWithoutFrames } = c;
  expect({ missing, inStoredFrames, windowsNotScored, windowsScoredWithoutFrames }).toEqual({
    missing: [],
    inStoredFrames: c.published,
    windowsNotScored: [],
    windowsScoredWithoutFrames: 0,
  });
  expect(c.windowsExpected).toBeGreaterThan(0);
}

/** The client ids the service's log says connected and subscribed. */
function connectedClientIds(logFile: string): string[] {
  const ids = readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"Connected to the MQTT broker."'))
    .map((line) => (JSON.parse(line) as { clientId: string }).clientId);
  return [...new Set(ids)].sort();
}

/** A fault run of `gruwatch run` with four connections and one message per asset and period. */
function runWithFourConnections(dir: string, registryDir: string, mosquittoUrl: string, label: string) {
  const { hostname, port } = new URL(mosquittoUrl);
  return createFaultRun({
    dir,
    registryDir,
    mqtt: { host: hostname, port: Number(port) },
    label,
    assets,
    mqttConnections: 4,
    isMessagePerAsset: true,
  });
}

describeWithServer('mosquitto', 'several MQTT connections per instance', (mosquitto) => {
  const root = mkdtempSync(join(tmpdir(), 'gruwatch-mqtt-connections-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const registryDir = join(root, 'models');
  beforeAll(() => fitFaultModel(registryDir), 60_000);

  it('stores every reading once, none late, from four connections of one shared subscription', async ({
    onTestFinished,
  }) => {
    const run = await runWithFourConnections(
      mkdtempSync(join(root, 'spread-')),
      registryDir,
      mosquitto.url,
      'connections',
    );
    onTestFinished(() => run.dispose());
    await run.startGruwatch();
    run.startPublisher();
    await sleep(12_000);
    const dropped = { late: -1, duplicate: -1 };
    const counts = await run.finish({
      beforeStop: async () => {
        dropped.late = await counterOf(run.httpPort, 'ingest_readings_dropped_total', 'reason="late"');
        dropped.duplicate = await counterOf(
          run.httpPort,
          'ingest_readings_dropped_total',
          'reason="duplicate"',
        );
      },
    });
    const clientIds = connectedClientIds(join(run.logDir, 'gruwatch-1.log'));
    process.stderr.write(
      `mqtt connections: ${JSON.stringify({ ...counts, missing: counts.missing.length, dropped, clientIds })}\n`,
    );
    expect(clientIds).toHaveLength(4);
    expect(clientIds.slice(1).map((id) => id.slice(clientIds[0].length))).toEqual(['-1', '-2', '-3']);
    // A message delivered to two connections (a plain subscription beside the shared one) would count here.
    expect(dropped).toEqual({ late: 0, duplicate: 0 });
    expectEveryReadingStored(counts);
  }, 120_000);

  it('loses nothing acknowledged when gruwatch with four connections is SIGKILLed under load three times', async ({
    onTestFinished,
  }) => {
    const dir = mkdtempSync(join(root, 'kill-'));
    const run = await runWithFourConnections(dir, registryDir, mosquitto.url, 'connections-kill');
    onTestFinished(() => run.dispose());
    await run.startGruwatch();
    run.startPublisher();
    await killAndRestart(run, [2_000, 6_000, 10_000], () => 3_000 + Math.random() * 4_000);
    await sleep(5_000);
    const late = await counterOf(run.httpPort, 'ingest_readings_dropped_total', 'reason="late"');
    const counts = await run.finish();
    process.stderr.write(
      `mqtt connections, SIGKILL ×3: ${JSON.stringify({ ...counts, missing: counts.missing.length, late })}\n`,
    );
    expect(late).toBe(0);
    expectEveryReadingStored(counts);
  }, 180_000);
});
