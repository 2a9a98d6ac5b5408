// What a Kafka instance remembers about its partitions' assets is bounded like the aligner: a flood
// of untrusted asset ids refused by `ingest.maxAssets` leaves nothing behind, so a rebalance hands on
// only the assets this instance actually tracked.
import kafkajs from 'kafkajs';
import { expect, it } from 'vitest';
import { createSilentLogger, MemoryTelemetry, systemClock } from '../../core/index.js';
import { ingestConfigSchema, kafkaConfigSchema } from '../../ingest/config.js';
import { jsonDecoderConfigSchema } from '../../ingest/decode/config.js';
import { createJsonDecoder } from '../../ingest/decode/json-decoder.js';
import { createIngest } from '../../ingest/ingest-pipeline.js';
import { createKafkaSource } from '../../ingest/kafka/kafka-source.js';
import { describeWithServer, onTeardown, uniqueName, waitFor } from '../helpers/integration.js';

const { Kafka, logLevel } = kafkajs;
const maxAssets = 4;

describeWithServer('kafka', 'Kafka ingest under untrusted asset ids', (endpoints) => {
  it('hands on at a rebalance only assets it tracked, never the ids it refused', async () => {
    const kafka = new Kafka({
      clientId: 'gruwatch-test',
      brokers: endpoints.brokers,
      logLevel: logLevel.NOTHING,
    });
    const topic = uniqueName('gw-bounds');
    const groupId = uniqueName('gw-group');
    const admin = kafka.admin();
    await admin.connect();
    onTeardown(async () => {
      await admin.deleteTopics({ topics: [topic] }).catch(() => {});
      await admin.disconnect();
    });
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });

    const kafkaConfig = {
      brokers: endpoints.brokers,
      groupId,
      topics: [topic],
      isFromBeginning: true,
      commitIntervalMs: 200,
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1_000,
    };
    const telemetry = new MemoryTelemetry();
    const revoked: string[] = [];
    const ingest = createIngest(
      ingestConfigSchema.parse({
        kafka: kafkaConfig,
        decoder: { type: 'json' },
        assets: [{ match: '*', channels: ['flow'] }],
        align: { periodMs: 1000, fill: 'last', maxHoldMs: 0, latenessMs: 0, idleFlushMs: 60_000 },
        window: { T: 2, hop: 1 },
        maxAssets,
      }),
      {
        logger: createSilentLogger(),
        clock: systemClock,
        telemetry,
        onWindow: () => undefined,
        onPartitionsRevoked: (assetIds) => revoked.push(...assetIds),
      },
    );
    onTeardown(() => ingest.stop());
    await ingest.start();

    // One real asset on each partition first, so that every partition that moves takes one with it;
    // then a flood of one-off ids on every partition.
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    onTeardown(() => producer.disconnect());
    const baseMs = Date.now() - 600_000;
    const real = ['pump-1', 'pump-2', 'pump-3', 'pump-4'];
    await producer.send({
      topic,
      messages: real.flatMap((assetId, partition) =>
        Array.from({ length: 10 }, (_, k) => ({
          key: assetId,
          partition,
          value: JSON.stringify({ channel: 'flow', ts: baseMs + k * 1000, value: k }),
        })),
      ),
    });
    await waitFor(() => ingest.trackedAssets === real.length || undefined, {
      what: 'the four real assets tracked',
      timeoutMs: 60_000,
    });
    await producer.send({
      topic,
      messages: Array.from({ length: 400 }, (_, n) => ({
        key: `probe-${n}`,
        value: JSON.stringify({ channel: 'flow', ts: baseMs + n, value: n }),
      })),
    });
    const refusedBy = () => telemetry.get('ingest_readings_dropped_total', { reason: 'asset_limit' }) ?? 0;
    await waitFor(() => refusedBy() >= 400 || undefined, {
      what: 'the flood of new ids refused by ingest.maxAssets',
      timeoutMs: 60_000,
    });
    expect(ingest.trackedAssets).toBe(maxAssets);
    expect(ingest.assetsWithPartition).toBeLessThanOrEqual(maxAssets);

    // A second member joins: partitions move, and with them only assets this instance tracked.
    const other = createKafkaSource(kafkaConfigSchema.parse(kafkaConfig), {
      decoder: createJsonDecoder(jsonDecoderConfigSchema.parse({ type: 'json' })),
      logger: createSilentLogger(),
      clock: systemClock,
    });
    onTeardown(() => other.stop());
    await other.start(async () => undefined);
    await waitFor(() => revoked.length > 0 || undefined, {
      what: 'partitions revoked from the first member',
      timeoutMs: 60_000,
    });
    expect(revoked.length).toBeGreaterThan(0);
    expect(real).toEqual(expect.arrayContaining(revoked));
    expect(ingest.trackedAssets + revoked.length).toBe(maxAssets);
    expect(ingest.assetsWithPartition).toBe(ingest.trackedAssets);
  });
});
