// The plant simulator producing to the real Kafka: one record per asset per
// tick, key = asset id, a JSON value the default json decoder reads back as
// exactly the plant's readings.
import { Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import { expect, it } from 'vitest';
import { createSilentLogger } from '../../core/index.js';
import { createDecoder, decoderConfigSchema } from '../../ingest/decode/index.js';
import type { SensorReading } from '../../ingest/reading.js';
import {
  createPlant,
  runSimulation,
  simulateOptionsSchema,
  tickReadings,
} from '../../ingest/simulator/index.js';
import { describeWithServer, onTeardown, uniqueName, waitFor } from '../helpers/integration.js';

const sorted = (readings: SensorReading[]): SensorReading[] =>
  [...readings].sort(
    (a, b) =>
      a.timestampMs - b.timestampMs ||
      a.assetId.localeCompare(b.assetId) ||
      a.channel.localeCompare(b.channel),
  );

describeWithServer('kafka', 'plant simulator on the real Kafka', (kafkaEndpoints) => {
  it('produces keyed JSON records that the json decoder reads back exactly', async () => {
    const kafka = new Kafka({
      clientId: uniqueName('sim-test'),
      brokers: kafkaEndpoints.brokers,
      logLevel: logLevel.WARN,
    });
    const topic = uniqueName('sim');
    const admin = kafka.admin();
    onTeardown(() => admin.disconnect());
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });

    const periodMs = 1000;
    const startMs = Math.floor(Date.now() / periodMs) * periodMs - 30_000;
    const handle = runSimulation(
      simulateOptionsSchema.parse({
        assets: 3,
        seed: 12,
        periodMs,
        startMs,
        durationMs: 30_000,
        pace: 'fast',
        target: { type: 'kafka', brokers: kafkaEndpoints.brokers, topic },
      }),
      { logger: createSilentLogger() },
    );
    onTeardown(() => handle.stop());
    expect(await handle.done).toMatchObject({ ticks: 30, messages: 90 });

    const received: KafkaMessage[] = [];
    const consumer = kafka.consumer({ groupId: uniqueName('sim-group'), maxWaitTimeInMs: 250 });
    onTeardown(() => consumer.disconnect());
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        received.push(message);
      },
    });
    await waitFor(() => received.length >= 90, { what: '90 records', timeoutMs: 30_000 });
    expect(received).toHaveLength(90);

    const decoder = createDecoder(decoderConfigSchema.parse({ type: 'json' }));
    const readings = received.flatMap((m) => {
      const key = m.key?.toString() ?? '';
      const result = decoder.decode(m.value ?? new Uint8Array(), { topic, key, receivedAtMs: Date.now() });
      if (!result.ok) throw new Error(`record rejected: ${result.issue.message}`);
      for (const r of result.readings) expect(r.assetId).toBe(key);
      return result.readings;
    });
    const plant = createPlant({ assets: 3, kind: 'pump', seed: 12, startMs, periodMs });
    const expected = [...plant.generate(startMs + 30_000)].flatMap((t) => tickReadings(t, plant.assets));
    expect(sorted(readings)).toEqual(sorted(expected));
  });
});
