// The plant simulator against the real Mosquitto: JSON and Sparkplug B runs
// received by a plain mqtt.js subscriber and decoded with the project's
// decoders (configured as ingest/simulator/README.md documents) give exactly
// the readings of the plant; a Sparkplug host that missed the births gets them
// again by asking for a rebirth.
import { connectAsync, type MqttClient } from 'mqtt';
import { expect, it } from 'vitest';
import { createSilentLogger, isPipelineError, ManualClock } from '../../core/index.js';
import { ingestConfigSchema } from '../../ingest/config.js';
import { createDecoder, type DecodeResult, type Decoder } from '../../ingest/decode/index.js';
import type { SensorReading } from '../../ingest/reading.js';
import {
  type AnomalySpec,
  createPlant,
  runSimulation,
  simulateOptionsSchema,
  tickReadings,
} from '../../ingest/simulator/index.js';
import { describeWithServer, onTeardown, uniqueName, waitFor } from '../helpers/integration.js';

interface Received {
  topic: string;
  payload: Buffer;
}

async function subscribe(
  url: string,
  filter: string,
  options: { username?: string; password?: string } = {},
) {
  const client: MqttClient = await connectAsync(url, {
    clientId: uniqueName('sim-sub'),
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    ...options,
  });
  onTeardown(() => client.endAsync(true));
  const received: Received[] = [];
  client.on('message', (topic, payload) => received.push({ topic, payload }));
  await client.subscribeAsync(filter, { qos: 1 });
  return { client, received };
}

/** The decoder an ingest config (as the README documents it) builds. */
function decoderFromIngestConfig(mqtt: Record<string, unknown>, decoder: Record<string, unknown>): Decoder {
  const config = ingestConfigSchema.parse({
    mqtt,
    decoder,
    assets: [
      {
        match: 'pump-*',
        channels: [
          'speed_rpm',
          'flow_m3h',
          'discharge_pressure_bar',
          'motor_current_a',
          'bearing_temp_c',
          'vibration_rms_mms',
        ],
      },
    ],
    window: { T: 30 },
  });
  return createDecoder(config.decoder, { clock: new ManualClock(Date.now()) });
}

function readingsOf(results: DecodeResult[]): SensorReading[] {
  return results.flatMap((r) => {
    if (!r.ok) throw new Error(`message rejected: ${r.issue.reason}: ${r.issue.message}`);
    return r.readings;
  });
}

const sorted = (readings: SensorReading[]): SensorReading[] =>
  [...readings].sort(
    (a, b) =>
      a.timestampMs - b.timestampMs ||
      a.assetId.localeCompare(b.assetId) ||
      a.channel.localeCompare(b.channel),
  );

/** The readings the same options give without any broker: the plant is deterministic. */
function expectedReadings(options: {
  assets: number;
  seed: number;
  startMs: number;
  periodMs: number;
  ticks: number;
  anomalies?: AnomalySpec[];
}): SensorReading[] {
  const plant = createPlant({ kind: 'pump', ...options });
  return [...plant.generate(options.startMs + options.ticks * options.periodMs)].flatMap((t) =>
    tickReadings(t, plant.assets),
  );
}

describeWithServer('mosquitto', 'plant simulator on the real Mosquitto', (mosquitto) => {
  it('publishes JSON telemetry at the paced rate that the documented json decoder reads back exactly', async () => {
    const site = uniqueName('site');
    const { received } = await subscribe(mosquitto.url, `plants/${site}/+/telemetry`);
    const periodMs = 100;
    const startMs = Math.ceil((Date.now() + 200) / periodMs) * periodMs;
    const items: AnomalySpec[] = [
      { asset: 'pump-002', channel: 'flow_m3h', kind: 'dropout', startMs: startMs + 500, durationMs: 300 },
    ];
    const wallStartMs = Date.now();
    const handle = runSimulation(
      simulateOptionsSchema.parse({
        assets: 3,
        seed: 5,
        periodMs,
        startMs,
        durationMs: 1500,
        anomalies: { type: 'schedule', items },
        target: { type: 'mqtt', url: mosquitto.url, format: 'json', site },
      }),
      { logger: createSilentLogger() },
    );
    onTeardown(() => handle.stop());
    const counters = await handle.done;
    // Realtime pace: the last of 15 ticks is sent when the wall clock reaches its timestamp.
    expect(Date.now()).toBeGreaterThanOrEqual(startMs + 14 * periodMs);
    expect(Date.now() - wallStartMs).toBeGreaterThanOrEqual(1300);
    expect(counters).toMatchObject({ ticks: 15, messages: 45, labels: 1 });
    await waitFor(() => received.length >= 45, { what: '45 JSON messages' });

    expect(new Set(received.map((m) => m.topic))).toEqual(
      new Set(['pump-001', 'pump-002', 'pump-003'].map((a) => `plants/${site}/${a}/telemetry`)),
    );
    const decoder = decoderFromIngestConfig(
      { url: mosquitto.url, clientId: 'gruwatch-1', topics: ['plants/{site}/{asset}/telemetry'] },
      { type: 'json' },
    );
    const readings = readingsOf(
      received.map((m) => decoder.decode(m.payload, { topic: m.topic, receivedAtMs: Date.now() })),
    );
    const expected = expectedReadings({ assets: 3, seed: 5, startMs, periodMs, ticks: 15, anomalies: items });
    expect(expected).toHaveLength(3 * 6 * 15 - 3);
    expect(sorted(readings)).toEqual(sorted(expected));
  });

  it('publishes Sparkplug B (births, DDATA, NDEATH on stop) on the password listener, decoded exactly', async () => {
    const group = uniqueName('grp');
    const auth = { username: mosquitto.username, password: mosquitto.password };
    const { received } = await subscribe(mosquitto.authUrl, `spBv1.0/${group}/#`, auth);
    const periodMs = 1000;
    const startMs = Math.floor(Date.now() / periodMs) * periodMs - 60_000;
    const handle = runSimulation(
      simulateOptionsSchema.parse({
        assets: 2,
        seed: 8,
        periodMs,
        startMs,
        durationMs: 60_000,
        pace: 'fast',
        target: {
          type: 'mqtt',
          url: mosquitto.authUrl,
          format: 'sparkplug-b',
          group,
          edgeNode: 'sim',
          ...auth,
        },
      }),
      { logger: createSilentLogger() },
    );
    onTeardown(() => handle.stop());
    const counters = await handle.done;
    // NBIRTH + 2 DBIRTH on the first tick, then 2 DDATA per tick for 59 ticks.
    expect(counters).toMatchObject({ ticks: 60, messages: 3 + 2 * 59 });
    await waitFor(() => received.some((m) => m.topic === `spBv1.0/${group}/NDEATH/sim`), {
      what: 'the NDEATH',
    });
    expect(received).toHaveLength(3 + 2 * 59 + 1);

    const decoder = decoderFromIngestConfig(
      { url: mosquitto.authUrl, clientId: 'gruwatch-1', topics: [`spBv1.0/${group}/#`] },
      { type: 'sparkplug-b', groupIds: [group], deviceAssetTemplate: '{device}' },
    );
    const results = received.map((m) =>
      decoder.decode(m.payload, { topic: m.topic, receivedAtMs: Date.now() }),
    );
    const readings = readingsOf(results);
    expect(sorted(readings)).toEqual(
      sorted(expectedReadings({ assets: 2, seed: 8, startMs, periodMs, ticks: 60 })),
    );
    const death = results.at(-1)!;
    expect(death.signals?.map((s) => `${s.kind} ${s.assetId}`).sort()).toEqual(
      ['unknown pump-001', 'unknown pump-002', `unknown ${group}/sim`].sort(),
    );
  });

  it('sends the births again when a Sparkplug host that missed them asks for a rebirth', async () => {
    const group = uniqueName('grp');
    const publisherHandle = runSimulation(
      simulateOptionsSchema.parse({
        assets: 2,
        seed: 3,
        periodMs: 100,
        target: { type: 'mqtt', url: mosquitto.url, format: 'sparkplug-b', group, edgeNode: 'sim' },
      }),
      { logger: createSilentLogger() },
    );
    onTeardown(() => publisherHandle.stop());
    await waitFor(() => publisherHandle.counters().ticks >= 3, { what: 'three ticks published' });

    // A host starting now sees DDATA without births: the decoder rejects it and asks for a rebirth.
    const { client, received } = await subscribe(mosquitto.url, `spBv1.0/${group}/#`);
    const decoder = createDecoder(
      ingestConfigSchema.shape.decoder.parse({
        type: 'sparkplug-b',
        groupIds: [group],
        deviceAssetTemplate: '{device}',
      }),
    );
    const readings: SensorReading[] = [];
    let rebirthRequests = 0;
    let decoded = 0;
    await waitFor(
      async () => {
        while (decoded < received.length) {
          const m = received[decoded++];
          const result = decoder.decode(m.payload, { topic: m.topic, receivedAtMs: Date.now() });
          for (const command of result.commands ?? []) {
            rebirthRequests++;
            await client.publishAsync(command.topic, Buffer.from(command.payload), { qos: 1 });
          }
          if (result.ok) readings.push(...result.readings);
        }
        return readings.some((r) => r.assetId === 'pump-002');
      },
      { what: 'readings after the rebirth', timeoutMs: 10_000, intervalMs: 20 },
    );
    expect(rebirthRequests).toBeGreaterThanOrEqual(1);
    expect(received.some((m) => m.topic === `spBv1.0/${group}/NBIRTH/sim`)).toBe(true);
    expect(new Set(readings.map((r) => r.channel)).size).toBe(6);
    await publisherHandle.stop();
  });

  it('fails the run with SIMULATOR_PUBLISH_FAILED naming the broker when the password is wrong or no broker listens', async () => {
    for (const target of [
      { url: mosquitto.authUrl, username: mosquitto.username, password: `${mosquitto.password}-wrong` },
      { url: 'mqtt://127.0.0.1:1' },
    ]) {
      const handle = runSimulation(
        simulateOptionsSchema.parse({ assets: 1, periodMs: 100, target: { type: 'mqtt', ...target } }),
        { logger: createSilentLogger() },
      );
      onTeardown(() => handle.stop().catch(() => undefined));
      const error = await handle.done.catch((err: unknown) => err);
      expect(isPipelineError(error, 'SIMULATOR_PUBLISH_FAILED')).toBe(true);
      expect((error as Error).message).toContain(target.url);
      expect(handle.counters().ticks).toBe(0);
    }
  });
});
