// The Kafka source against the real Kafka: two consumers of one group split the
// partitions, one stops, the other takes over, and no record is lost; an
// undecodable record lands in the dead-letter topic with its headers.
import kafkajs from 'kafkajs';
import { expect, it } from 'vitest';
import { createSilentLogger, MemoryTelemetry, systemClock } from '../../core/index.js';
import { type KafkaConfig, kafkaConfigSchema } from '../../ingest/config.js';
import { jsonDecoderConfigSchema } from '../../ingest/decode/config.js';
import { createJsonDecoder } from '../../ingest/decode/json-decoder.js';
import { createKafkaSource } from '../../ingest/kafka/kafka-source.js';
import type { SourceDelivery } from '../../ingest/source.js';
import { describeWithServer, onTeardown, uniqueName, waitFor } from '../helpers/integration.js';

const { Kafka, logLevel } = kafkajs;
const decoder = createJsonDecoder(jsonDecoderConfigSchema.parse({ type: 'json' }));

describeWithServer('kafka', 'Kafka source against Kafka', (endpoints) => {
  const kafka = new Kafka({
    clientId: 'gruwatch-test',
    brokers: endpoints.brokers,
    logLevel: logLevel.NOTHING,
  });

  async function createTopics(...topics: { topic: string; numPartitions: number }[]) {
    const admin = kafka.admin();
    await admin.connect();
    onTeardown(async () => {
      await admin.deleteTopics({ topics: topics.map((t) => t.topic) }).catch(() => {});
      await admin.disconnect();
    });
    await admin.createTopics({ topics, waitForLeaders: true });
    // Metadata reaches every broker connection a moment after creation; wait for all leaders.
    await waitFor(
      async () => {
        const meta = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
        return meta.topics.every(
          (t, i) =>
            t.partitions.length === topics[i].numPartitions && t.partitions.every((q) => q.leader >= 0),
        );
      },
      { what: 'leaders for the new topics' },
    );
    return admin;
  }

  async function producer() {
    const p = kafka.producer({ allowAutoTopicCreation: false });
    await p.connect();
    onTeardown(() => p.disconnect());
    return p;
  }

  function startSource(
    config: KafkaConfig,
    onDelivery: (d: SourceDelivery) => void,
    revoked: number[] = [],
    telemetry = new MemoryTelemetry(),
  ) {
    const source = createKafkaSource(config, {
      decoder,
      logger: createSilentLogger(),
      clock: systemClock,
      telemetry,
      onPartitionsRevoked: (ids) => revoked.push(...ids),
    });
    onTeardown(() => source.stop());
    return { source, started: source.start(async (d) => onDelivery(d)) };
  }

  function startSourceWith(config: KafkaConfig, handler: (d: SourceDelivery) => Promise<void>) {
    const source = createKafkaSource(config, {
      decoder,
      logger: createSilentLogger(),
      clock: systemClock,
    });
    onTeardown(() => source.stop());
    return { source, started: source.start(handler) };
  }

  const record = (n: number, baseMs: number) => ({
    key: `asset-${n % 20}`,
    value: JSON.stringify({ channel: 'flow', ts: baseMs + n, value: n }),
  });

  it('splits partitions between two group members and loses no record when one stops', async () => {
    const topic = uniqueName('gw-readings');
    const groupId = uniqueName('gw-group');
    const admin = await createTopics({ topic, numPartitions: 4 });
    const config = kafkaConfigSchema.parse({
      brokers: endpoints.brokers,
      groupId,
      topics: [topic],
      isFromBeginning: true,
      commitIntervalMs: 200,
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1000,
      maxInFlight: 50,
    });
    type Seen = { values: Set<number>; partitions: Set<number> };
    const seenBy: Seen[] = [
      { values: new Set(), partitions: new Set() },
      { values: new Set(), partitions: new Set() },
    ];
    const collect = (seen: Seen) => (d: SourceDelivery) => {
      seen.partitions.add(d.origin.partition!);
      for (const r of d.readings) seen.values.add(r.value);
    };
    const telemetry = new MemoryTelemetry();
    const revokedFromB: number[] = [];
    const a = startSource(config, collect(seenBy[0]), [], telemetry);
    const b = startSource(config, collect(seenBy[1]), revokedFromB, telemetry);
    await Promise.all([a.started, b.started]);
    await waitFor(
      async () => {
        const { groups } = await admin.describeGroups([groupId]);
        return groups[0]?.state === 'Stable' && groups[0].members.length === 2;
      },
      { what: 'a stable group of two members', timeoutMs: 60_000 },
    );

    const p = await producer();
    const baseMs = Date.now() - 60_000;
    const first = Array.from({ length: 400 }, (_, n) => record(n, baseMs));
    await p.send({ topic, messages: first });
    const union = () => new Set([...seenBy[0].values, ...seenBy[1].values]);
    await waitFor(() => union().size === 400 || undefined, { what: 'the first 400 records' });
    // Both members got records, from disjoint partitions that together are all four.
    expect(seenBy[0].values.size).toBeGreaterThan(0);
    expect(seenBy[1].values.size).toBeGreaterThan(0);
    expect([...seenBy[0].partitions].filter((x) => seenBy[1].partitions.has(x))).toEqual([]);
    expect(seenBy[0].partitions.size + seenBy[1].partitions.size).toBe(4);
    // maxInFlight 50 against batches of ~100 records: the pause/resume path ran, and still nothing was lost.
    expect(telemetry.get('ingest_partition_pauses_total', { transport: 'kafka' })).toBeGreaterThan(0);

    await a.source.stop();
    const second = Array.from({ length: 400 }, (_, n) => record(400 + n, baseMs));
    await p.send({ topic, messages: second });
    await waitFor(() => union().size === 800 || undefined, { what: 'all 800 records', timeoutMs: 60_000 });
    expect([...union()].sort((x, y) => x - y)).toEqual(Array.from({ length: 800 }, (_, n) => n));
    // The survivor now reads every partition, including those the stopped member had.
    await waitFor(() => seenBy[1].partitions.size === 4 || undefined, {
      what: 'the survivor on all partitions',
    });
  });

  it('reads a partition again from a record the pipeline failed, and loses nothing', async () => {
    const topic = uniqueName('gw-readings');
    await createTopics({ topic, numPartitions: 1 });
    const attempts = new Map<number, number>();
    const { source, started } = startSourceWith(
      kafkaConfigSchema.parse({
        brokers: endpoints.brokers,
        groupId: uniqueName('gw-group'),
        topics: [topic],
        isFromBeginning: true,
        commitIntervalMs: 0,
      }),
      async (d) => {
        for (const r of d.readings) {
          const n = (attempts.get(r.value) ?? 0) + 1;
          attempts.set(r.value, n);
          if (r.value === 3 && n === 1) throw new Error('sink unavailable');
        }
      },
    );
    await started;
    const p = await producer();
    const baseMs = Date.now() - 60_000;
    await p.send({ topic, messages: Array.from({ length: 10 }, (_, n) => record(n, baseMs)) });
    await waitFor(() => (attempts.get(3) ?? 0) >= 2 && attempts.size === 10, {
      what: 'record 3 again and all ten records',
      timeoutMs: 60_000,
    });
    expect([...attempts.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, n) => n));
    await source.stop();
  });

  it('consumes every topic that matches topicPattern', async () => {
    const prefix = uniqueName('gw-pattern');
    await createTopics(
      { topic: `${prefix}-north`, numPartitions: 1 },
      { topic: `${prefix}-south`, numPartitions: 1 },
    );
    const values: number[] = [];
    const { started } = startSource(
      kafkaConfigSchema.parse({
        brokers: endpoints.brokers,
        groupId: uniqueName('gw-group'),
        topicPattern: `^${prefix}-(north|south)$`,
        isFromBeginning: true,
      }),
      (d) => {
        values.push(...d.readings.map((r) => r.value));
      },
    );
    await started;
    const p = await producer();
    const baseMs = Date.now() - 60_000;
    await p.send({ topic: `${prefix}-north`, messages: [record(1, baseMs)] });
    await p.send({ topic: `${prefix}-south`, messages: [record(2, baseMs)] });
    await waitFor(() => values.length >= 2 || undefined, {
      what: 'records from both topics',
      timeoutMs: 60_000,
    });
    expect(values.sort()).toEqual([1, 2]);
  });

  it('sends an undecodable record to the dead-letter topic with headers and goes on', async () => {
    const topic = uniqueName('gw-readings');
    const deadLetterTopic = uniqueName('gw-dead');
    await createTopics({ topic, numPartitions: 1 }, { topic: deadLetterTopic, numPartitions: 1 });
    const values: number[] = [];
    const { started } = startSource(
      kafkaConfigSchema.parse({
        brokers: endpoints.brokers,
        groupId: uniqueName('gw-group'),
        topics: [topic],
        isFromBeginning: true,
        deadLetterTopic,
      }),
      (d) => {
        values.push(...d.readings.map((r) => r.value));
      },
    );
    await started;
    const p = await producer();
    const baseMs = Date.now() - 60_000;
    await p.send({
      topic,
      messages: [{ key: 'asset-1', value: '{"channel":"flow","ts":' }, record(7, baseMs)],
    });
    await waitFor(() => values.length > 0, { what: 'the good record after the bad one', timeoutMs: 60_000 });
    expect(values).toEqual([7]);

    const dead: { key: string | undefined; value: string | undefined; headers: Record<string, string> }[] =
      [];
    const reader = kafka.consumer({ groupId: uniqueName('gw-dl-reader') });
    await reader.connect();
    onTeardown(() => reader.disconnect());
    await reader.subscribe({ topics: [deadLetterTopic], fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        dead.push({ key: message.key?.toString(), value: message.value?.toString(), headers });
      },
    });
    await waitFor(() => dead.length > 0, { what: 'the dead letter', timeoutMs: 60_000 });
    expect(dead).toHaveLength(1);
    expect(dead[0].key).toBe('asset-1');
    expect(dead[0].value).toBe('{"channel":"flow","ts":');
    expect(dead[0].headers).toMatchObject({
      'gruwatch-error-reason': 'invalid_json',
      'gruwatch-source-topic': topic,
      'gruwatch-source-partition': '0',
      'gruwatch-source-offset': '0',
    });
    expect(dead[0].headers['gruwatch-error-message'].length).toBeGreaterThan(0);
  });
});
