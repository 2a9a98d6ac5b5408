// `gruwatch bridge` between the real Mosquitto and the real Kafka: mosquitto_pub
// (a third-party client) publishes readings at QoS 1, JSON and Sparkplug B; each
// reading must reach Kafka keyed by its asset, on the partition of its key, in
// order per asset; a malformed message is dead-lettered while the rest flows; a
// SIGKILLed bridge loses nothing (copies only as marked redeliveries); and
// `gruwatch run` reading the topic as a consumer group scores the windows.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs, { type IHeaders } from 'kafkajs';
import { expect, it } from 'vitest';
import { createSilentLogger, MemoryTelemetry, systemClock } from '../../core/index.js';
import { type BridgeConfigInput, bridgeConfigSchema } from '../../ingest/bridge/config.js';
import { createMqttKafkaBridge, redeliveryHeader } from '../../ingest/bridge/mqtt-kafka-bridge.js';
import { buildSparkplugPayloads, createDecoder, decoderConfigSchema } from '../../ingest/decode/index.js';
import { freePort } from '../helpers/free-port.js';
import { describeWithServer, onTeardown, uniqueName, waitFor } from '../helpers/integration.js';
import { metricSum, spawnGruwatch, testArtifactsDir } from '../helpers/service-process.js';
import {
  expectedWindowEnds,
  prepareSmallService,
  readStore,
  smallChannels,
  smallPeriodMs,
  smallServiceConfig,
  smallValue,
} from '../helpers/small-service.js';
import { mosquittoPub, mosquittoPubBytes } from '../helpers/third-party-publishers.js';

const { Kafka, logLevel, Partitioners } = kafkajs;
const partitions = 4;

interface JsonReading {
  asset: string;
  channel: string;
  value: number;
  ts: number;
}
interface Received {
  partition: number;
  key: string;
  readings: JsonReading[];
  isRedelivery: boolean;
}

/** The partition kafkajs's default (murmur2, Java-compatible) partitioner gives a key. */
const partitionOfKey = (() => {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));
  return (topic: string, key: string) =>
    partitioner({ topic, partitionMetadata, message: { key, value: null } });
})();

const hasHeader = (headers: IHeaders | undefined, name: string) => headers?.[name] !== undefined;

describeWithServer('mosquitto', 'gruwatch bridge: MQTT into Kafka keyed by asset', (mosquitto) => {
  describeWithServer('kafka', 'with the real Kafka', (kafkaEndpoints) => {
    const kafka = new Kafka({
      clientId: uniqueName('bridge-test'),
      brokers: kafkaEndpoints.brokers,
      logLevel: logLevel.NOTHING,
    });

    /** A fresh topic of `partitions` partitions, and everything produced to it, as it arrives. */
    async function topicWithReader(): Promise<{ topic: string; received: Received[] }> {
      const topic = uniqueName('gw-bridged');
      const admin = kafka.admin();
      await admin.connect();
      onTeardown(async () => {
        await admin.deleteTopics({ topics: [topic] }).catch(() => {});
        await admin.disconnect();
      });
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
      const received: Received[] = [];
      const consumer = kafka.consumer({ groupId: uniqueName('gw-bridge-reader'), maxWaitTimeInMs: 100 });
      onTeardown(() => consumer.disconnect());
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          received.push({
            partition,
            key: message.key?.toString() ?? '',
            readings: JSON.parse(message.value?.toString() ?? 'null') as JsonReading[],
            isRedelivery: hasHeader(message.headers, redeliveryHeader),
          });
        },
      });
      return { topic, received };
    }

    const readingCount = (received: readonly Received[]) =>
      received.reduce((n, r) => n + r.readings.length, 0);

    /** Every record keyed by the asset of all its readings and on the partition of its key. */
    function expectKeyedByAsset(topic: string, received: readonly Received[]): void {
      for (const r of received) {
        expect(r.readings.every((x) => x.asset === r.key)).toBe(true);
        expect(r.partition, `partition of key ${r.key}`).toBe(partitionOfKey(topic, r.key));
      }
    }

    it('forwards JSON readings of several assets once, in order per asset, and dead-letters a malformed message', async () => {
      const { topic, received } = await topicWithReader();
      const prefix = uniqueName('plant');
      const dir = join(testArtifactsDir, 'bridge', uniqueName('json'));
      mkdirSync(dir, { recursive: true });
      const deadLetters = join(dir, 'dead-letters.jsonl');
      const telemetry = new MemoryTelemetry();
      const bridge = createMqttKafkaBridge(
        bridgeConfigSchema.parse({
          mqtt: { url: mosquitto.url, clientId: uniqueName('gw-bridge'), topics: [`${prefix}/{asset}`] },
          decoder: { type: 'json' },
          deadLetter: { type: 'file', path: deadLetters },
          kafka: { brokers: kafkaEndpoints.brokers, topic },
        } satisfies BridgeConfigInput),
        { logger: createSilentLogger(), clock: systemClock, telemetry },
      );
      onTeardown(() => bridge.stop());
      await bridge.start();

      const assets = ['pump-1', 'pump-2', 'fan-1', 'mixer-1'];
      const perAsset = 40;
      const t0 = Date.now() - 60_000;
      await Promise.all(
        assets.map((asset, a) => {
          const lines = Array.from({ length: perAsset }, (_, n) =>
            JSON.stringify({ channel: 'flow', value: n, ts: t0 + n * 1000 }),
          );
          if (a === 1) lines.splice(20, 0, '{"channel":"flow","value":'); // malformed, mid-stream
          return mosquittoPub(mosquitto.url, `${prefix}/${asset}`, lines);
        }),
      );
      await waitFor(() => readingCount(received) >= assets.length * perAsset, {
        what: `${assets.length * perAsset} readings in Kafka`,
        timeoutMs: 30_000,
      });

      expect(readingCount(received)).toBe(assets.length * perAsset);
      expectKeyedByAsset(topic, received);
      for (const asset of assets) {
        const values = received.filter((r) => r.key === asset).flatMap((r) => r.readings.map((x) => x.value));
        expect(values, asset).toEqual(Array.from({ length: perAsset }, (_, n) => n));
      }
      const letters = readFileSync(deadLetters, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(letters).toMatchObject([{ topic: `${prefix}/pump-2`, reason: 'invalid_json' }]);
      expect(
        telemetry.get('ingest_messages_rejected_total', { transport: 'mqtt', reason: 'invalid_json' }),
      ).toBe(1);
      expect(telemetry.get('bridge_readings_total')).toBe(assets.length * perAsset);
    });

    it('forwards Sparkplug B births and data keyed by edge node/device, as ingest decodes them', async () => {
      const { topic, received } = await topicWithReader();
      const group = uniqueName('g');
      const payloads = buildSparkplugPayloads({
        assets: 2,
        channels: 3,
        ticks: 8,
        startMs: Math.floor(Date.now() / 1000) * 1000 - 60_000,
      });
      const toGroup = (t: string) => t.replace('spBv1.0/plant/', `spBv1.0/${group}/`);
      const decoder = { type: 'sparkplug-b' as const, groupIds: [group], isRebirthRequested: false };
      const bridge = createMqttKafkaBridge(
        bridgeConfigSchema.parse({
          mqtt: { url: mosquitto.url, clientId: uniqueName('gw-bridge'), topics: [`spBv1.0/${group}/#`] },
          decoder,
          kafka: { brokers: kafkaEndpoints.brokers, topic },
        } satisfies BridgeConfigInput),
        { logger: createSilentLogger(), clock: systemClock },
      );
      onTeardown(() => bridge.stop());
      await bridge.start();

      // What ingest's Sparkplug decoder makes of the same messages, per asset, in order.
      const reference = createDecoder(decoderConfigSchema.parse(decoder));
      const expected = new Map<string, JsonReading[]>();
      for (const m of [...payloads.setup, ...payloads.messages]) {
        const result = reference.decode(m.payload, {
          topic: toGroup(m.context.topic),
          receivedAtMs: Date.now(),
        });
        if (!result.ok) throw new Error(result.issue.message);
        for (const r of result.readings) {
          const list = expected.get(r.assetId) ?? [];
          list.push({ asset: r.assetId, channel: r.channel, value: r.value, ts: r.timestampMs });
          expected.set(r.assetId, list);
        }
        await mosquittoPubBytes(mosquitto.url, toGroup(m.context.topic), m.payload);
      }
      const total = [...expected.values()].reduce((n, l) => n + l.length, 0);
      expect([...expected.keys()].sort()).toEqual([`${group}/edge-0/dev`, `${group}/edge-1/dev`]);
      await waitFor(() => readingCount(received) >= total, {
        what: `${total} Sparkplug readings`,
        timeoutMs: 30_000,
      });

      expect(readingCount(received)).toBe(total);
      expectKeyedByAsset(topic, received);
      for (const [asset, readings] of expected)
        expect(received.filter((r) => r.key === asset).flatMap((r) => r.readings)).toEqual(readings);
    });

    it('loses nothing when SIGKILLed mid-stream and restarted, and `gruwatch run` scores what it bridged', async () => {
      const { topic, received } = await topicWithReader();
      const { dir, dataDir } = await prepareSmallService('gruwatch-bridge-');
      const prefix = uniqueName('plant');
      const bridgePort = await freePort();
      const runPort = await freePort();
      const configFile = join(dir, 'gruwatch.yaml');
      writeFileSync(
        configFile,
        JSON.stringify({
          ...smallServiceConfig(dataDir, runPort, {
            kafka: {
              brokers: kafkaEndpoints.brokers,
              groupId: uniqueName('gw-group'),
              topics: [topic],
              isFromBeginning: true,
              commitIntervalMs: 200,
            },
          }),
          bridge: {
            mqtt: { url: mosquitto.url, clientId: uniqueName('gw-bridge'), topics: [`${prefix}/{asset}`] },
            decoder: { type: 'json' },
            kafka: { brokers: kafkaEndpoints.brokers, topic },
            http: { port: bridgePort },
          } satisfies BridgeConfigInput,
        }),
      );
      const logs = join(testArtifactsDir, 'bridge');
      mkdirSync(logs, { recursive: true });
      const startBridge = (name: string) => {
        const child = spawnGruwatch(['bridge', '-c', configFile], join(logs, `${name}.log`));
        const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
        onTeardown(() => child.kill('SIGKILL'));
        return { child, exited };
      };
      const ready = () =>
        waitFor(async () => (await fetch(`http://127.0.0.1:${bridgePort}/readyz`)).ok || undefined, {
          what: 'the bridge ready',
          timeoutMs: 60_000,
        });

      const first = startBridge('bridge-1');
      await ready(); // subscribed: the broker keeps the session from here on

      const assets = ['machine-1', 'machine-2'];
      const seqs = 300;
      const t0 = Math.floor(Date.now() / smallPeriodMs) * smallPeriodMs - 10 * 60_000;
      const published = new Map(
        assets.map((asset) => [
          asset,
          Array.from({ length: seqs }, (_, seq) =>
            smallChannels.map((channel) => ({
              channel,
              ts: t0 + seq * smallPeriodMs,
              value: smallValue(channel, seq),
            })),
          ).flat(),
        ]),
      );
      const total = assets.length * seqs * smallChannels.length;
      await Promise.all(
        [...published].map(([asset, readings]) =>
          mosquittoPub(
            mosquitto.url,
            `${prefix}/${asset}`,
            readings.map((r) => JSON.stringify(r)),
          ),
        ),
      );
      const atKill = await waitFor(
        async () => {
          const n = await metricSum(bridgePort, 'bridge_readings_total');
          return n >= total / 10 ? n : undefined;
        },
        { what: 'the bridge under way', timeoutMs: 30_000, intervalMs: 10 },
      );
      first.child.kill('SIGKILL');
      await first.exited;
      expect(atKill, 'killed mid-stream').toBeLessThan(total);

      const second = startBridge('bridge-2');
      await waitFor(
        () => {
          const seen = new Set(
            received.flatMap((r) => r.readings.map((x) => `${x.asset}@${x.ts}/${x.channel}`)),
          );
          return seen.size >= total || undefined;
        },
        { what: `all ${total} readings in Kafka after the restart`, timeoutMs: 60_000 },
      );
      const redelivered = await metricSum(bridgePort, 'bridge_redeliveries_total');

      // Nothing lost, order per asset kept; a reading seen twice is only ever a marked redelivery.
      expectKeyedByAsset(topic, received);
      let copies = 0;
      for (const [asset, readings] of published) {
        const seen = new Set<string>();
        const firsts: { channel: string; ts: number; value: number }[] = [];
        for (const record of received.filter((r) => r.key === asset)) {
          for (const x of record.readings) {
            const id = `${x.ts}/${x.channel}`;
            if (seen.has(id)) {
              copies++;
              expect(record.isRedelivery, `copy of ${asset} ${id}`).toBe(true);
              continue;
            }
            seen.add(id);
            firsts.push({ channel: x.channel, ts: x.ts, value: x.value });
          }
        }
        expect(firsts, asset).toEqual(readings);
      }
      expect(copies).toBeLessThanOrEqual(redelivered);
      writeFileSync(
        join(logs, 'sigkill-figures.json'),
        JSON.stringify({
          total,
          killedAfter: atKill,
          redeliveredMessages: redelivered,
          duplicateReadings: copies,
        }),
      );

      // The same configuration runs the detection service on the bridged topic.
      const run = spawnGruwatch(['run', '-c', configFile], join(logs, 'run.log'));
      const runExited = new Promise<void>((resolve) => run.on('exit', () => resolve()));
      onTeardown(() => run.kill('SIGKILL'));
      await waitFor(
        async () => {
          const frames = await metricSum(runPort, 'detector_windows_scored_total').catch(() => 0);
          return frames > 0 ? frames : undefined;
        },
        { what: 'windows scored by gruwatch run', timeoutMs: 60_000 },
      );
      await waitFor(
        async () => (await metricSum(runPort, 'ingest_readings_total')) >= total + copies || undefined,
        { what: 'every bridged reading read by gruwatch run', timeoutMs: 60_000 },
      );
      run.kill('SIGTERM');
      second.child.kill('SIGTERM');
      await Promise.all([runExited, second.exited]);
      for (const asset of assets) {
        const stored = readStore(dataDir, asset);
        expect(stored.frames.length, asset).toBeGreaterThan(0);
        expect(stored.scoreAtMs.length, asset).toBeGreaterThan(0);
        expect(stored.scoreAtMs, asset).toEqual(expectedWindowEnds(stored.frames));
      }
    });
  });
});
