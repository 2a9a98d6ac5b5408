// `ingest.mqtt.connections: 4` against the real Mosquitto: `gruwatch run` opens four connections
// in one shared subscription of its own, `mosquitto_pub` (QoS 1) sends one message per asset and
// period, and the broker spreads them over the connections, so an asset's messages are handled
// concurrently and out of order, and committed in groups. Every published reading must be in a
// stored frame, every complete window scored, none read twice while nothing failed and none
// counted late; and across SIGKILLs under load, with a persistent session per connection, nothing
// acknowledged is lost. A persistent session switched between one connection and several gets
// every message once: the subscription of the other form, kept in the session, is dropped.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSilentLogger, systemClock } from '../../core/index.js';
import { mqttConfigSchema } from '../../ingest/config.js';
import { jsonDecoderConfigSchema } from '../../ingest/decode/config.js';
import { createJsonDecoder } from '../../ingest/decode/json-decoder.js';
import { createMqttSource } from '../../ingest/mqtt/mqtt-source.js';
import {
  counterOf,
  createFaultRun,
  type FaultCounts,
  fitFaultModel,
  killAndRestart,
} from '../helpers/fault-run.js';
import { describeWithServer, uniqueName, waitFor } from '../helpers/integration.js';
import { mosquittoPub } from '../helpers/third-party-publishers.js';

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

  it('delivers every message once after a persistent session switches from one connection to three and back', async () => {
    const clientId = uniqueName('gw-switch');
    const prefix = uniqueName('switch');
    const values: number[] = [];
    /** Runs a source with `connections` until `count` messages from `first` on arrived, and a second more. */
    const readWith = async (connections: number, first: number, count: number) => {
      const config = mqttConfigSchema.parse({
        url: mosquitto.url,
        clientId,
        connections,
        sessionExpirySecs: 30,
        topics: [`${prefix}/{asset}/{channel}`],
      });
      const decoder = createJsonDecoder(jsonDecoderConfigSchema.parse({ type: 'json' }));
      const source = createMqttSource(config, { decoder, logger: createSilentLogger(), clock: systemClock });
      try {
        await source.start(async (d) => {
          for (const r of d.readings) values.push(r.value);
        });
        const lines = Array.from({ length: count }, (_, k) =>
          JSON.stringify({ ts: Date.now(), value: first + k }),
        );
        await mosquittoPub(mosquitto.url, `${prefix}/pump-1/flow`, lines);
        await waitFor(() => values.filter((v) => v >= first).length >= count, { what: `${count} messages` });
        await sleep(1_000);
      } finally {
        await source.stop();
      }
      return values.filter((v) => v >= first).sort((a, b) => a - b);
    };
    const expected = (first: number) => Array.from({ length: 30 }, (_, k) => first + k);
    // The first run leaves a plain subscription in connection 0's session, the second a shared one.
    expect(await readWith(1, 0, 30)).toEqual(expected(0));
    expect(await readWith(3, 100, 30)).toEqual(expected(100));
    expect(await readWith(1, 200, 30)).toEqual(expected(200));
  }, 60_000);
});
