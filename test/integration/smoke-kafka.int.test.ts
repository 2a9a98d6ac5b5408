// Smoke test of the local Kafka that deploy/local/services starts: a unique topic, produce,
// consume in a group with committed offsets, and a second consumer of the same group that
// resumes right after the committed offset (nothing committed comes again, nothing is lost).
import { type Consumer, Kafka, type KafkaMessage, logLevel, Partitioners } from 'kafkajs';
import { expect, it } from 'vitest';
import { describeWithServer, onTeardown, uniqueName, waitFor } from '../helpers/integration.js';

describeWithServer('kafka', 'local Kafka', (kafkaEndpoints) => {
  const kafka = new Kafka({
    clientId: uniqueName('gruwatch-smoke'),
    brokers: kafkaEndpoints.brokers,
    logLevel: logLevel.WARN,
    connectionTimeout: 5_000,
  });

  async function startConsumer(
    groupId: string,
    topic: string,
    onMessage: (message: KafkaMessage, consumer: Consumer) => Promise<void>,
  ): Promise<Consumer> {
    // A short fetch wait lets disconnect() return quickly; kafkajs waits for the fetch in flight.
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 250,
    });
    onTeardown(() => consumer.disconnect());
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachMessage: ({ message }) => onMessage(message, consumer) });
    return consumer;
  }

  it(`creates a topic, produces, and a new group member resumes after the committed offset (Kafka ${kafkaEndpoints.version})`, async () => {
    const topic = uniqueName('smoke');
    const groupId = uniqueName('smoke-group');
    const admin = kafka.admin();
    onTeardown(() => admin.disconnect());
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })).toBe(
      true,
    );
    expect(await admin.listTopics()).toContain(topic);

    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    onTeardown(() => producer.disconnect());
    await producer.connect();
    const values = Array.from({ length: 10 }, (_, i) => `reading-${i}-${uniqueName('v')}`);
    const firstBatch = await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
    expect(firstBatch).toEqual([expect.objectContaining({ topicName: topic, partition: 0, errorCode: 0 })]);

    // The first member commits after the fifth message; it sees more than that before it
    // leaves, but those are not committed and must come again to the next member.
    const commitAfter = 4;
    const seenByFirst: string[] = [];
    let committed = false;
    const first = await startConsumer(groupId, topic, async (message, consumer) => {
      seenByFirst.push(String(message.value));
      if (Number(message.offset) === commitAfter) {
        await consumer.commitOffsets([{ topic, partition: 0, offset: String(commitAfter + 1) }]);
        committed = true;
      }
    });
    await waitFor(() => committed, { what: `the commit of offset ${commitAfter + 1}`, timeoutMs: 60_000 });
    await first.disconnect();
    expect(seenByFirst.slice(0, commitAfter + 1)).toEqual(values.slice(0, commitAfter + 1));

    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(offsets).toEqual([
      { topic, partitions: [expect.objectContaining({ partition: 0, offset: '5' })] },
    ]);

    const seenBySecond: { offset: number; value: string }[] = [];
    await startConsumer(groupId, topic, async (message) => {
      seenBySecond.push({ offset: Number(message.offset), value: String(message.value) });
    });
    // Records produced while the second member runs arrive too.
    const later = Array.from({ length: 3 }, (_, i) => `reading-${10 + i}-${uniqueName('v')}`);
    await producer.send({ topic, acks: -1, messages: later.map((value) => ({ value })) });
    const expected = [...values.slice(commitAfter + 1), ...later];
    await waitFor(() => seenBySecond.length >= expected.length, {
      what: `${expected.length} records in the second group member`,
      timeoutMs: 60_000,
    });
    expect(seenBySecond.map((m) => m.value)).toEqual(expected);
    expect(seenBySecond.map((m) => m.offset)).toEqual(expected.map((_, i) => commitAfter + 1 + i));
  });
});
