// The state changelog against the real Kafka: what one owner writes is what
// the next owner of the partition restores; a stale owner's late write cannot
// replace the newer owner's state; a released partition is not written; and a
// partition that returns to its first owner brings the newest state, not the
// one it left.
import kafkajs from 'kafkajs';
import { expect, it } from 'vitest';
import { createSilentLogger } from '../../core/index.js';
import { createStateChangelog, type StateChangelog } from '../../ingest/kafka/state-changelog.js';
import { describeWithServer, onTeardown, uniqueName, waitFor } from '../helpers/integration.js';

const { Kafka, logLevel } = kafkajs;

describeWithServer('kafka', 'State changelog against Kafka', (endpoints) => {
  const kafka = new Kafka({
    clientId: 'gruwatch-test',
    brokers: endpoints.brokers,
    logLevel: logLevel.NOTHING,
  });

  async function createTopic(topic: string, numPartitions: number) {
    const admin = kafka.admin();
    await admin.connect();
    onTeardown(async () => {
      await admin.deleteTopics({ topics: [topic] }).catch(() => {});
      await admin.disconnect();
    });
    await admin.createTopics({
      topics: [{ topic, numPartitions, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
      waitForLeaders: true,
    });
    await waitFor(
      async () => {
        const meta = await admin.fetchTopicMetadata({ topics: [topic] });
        return meta.topics[0]!.partitions.length === numPartitions;
      },
      { what: 'leaders for the changelog topic' },
    );
  }

  async function open(topic: string, instance: string): Promise<StateChangelog> {
    const changelog = createStateChangelog({
      kafka,
      topic,
      groupId: uniqueName('changelog-group'),
      instance,
      logger: createSilentLogger(),
    });
    onTeardown(() => changelog.stop());
    await changelog.start();
    return changelog;
  }

  const reading = (assetId: string, timestampMs: number) => ({
    assetId,
    channel: 'flow',
    timestampMs,
    value: timestampMs / 1000,
    receivedAtMs: timestampMs,
  });

  it('hands an asset state from owner to owner, fenced against a stale owner', async () => {
    const topic = uniqueName('state-changelog');
    await createTopic(topic, 4);

    const a = await open(topic, 'a');
    expect(await a.restore(2)).toEqual([]);
    await a.write([
      { assetId: 'pump-1', partition: 2, state: '{"n":1}', journal: [reading('pump-1', 1_000)] },
      { assetId: 'pump-2', partition: 2, state: '{"n":1}', journal: [] },
    ]);
    await a.write([
      { assetId: 'pump-1', partition: 2, state: '{"n":2}', journal: [reading('pump-1', 2_000)] },
    ]);

    // The partition moves to b: it reads the newest state of each asset.
    const b = await open(topic, 'b');
    const restored = await b.restore(2);
    const byAsset = new Map(restored.map((e) => [e.assetId, e]));
    expect(byAsset.get('pump-1')).toMatchObject({ state: '{"n":2}', instance: 'a', epoch: 1 });
    expect(byAsset.get('pump-1')?.journal).toEqual([reading('pump-1', 2_000)]);
    expect(byAsset.get('pump-2')).toMatchObject({ state: '{"n":1}' });
    expect(await b.restore(1)).toEqual([]); // another partition's assets stay there

    await b.write([{ assetId: 'pump-1', partition: 2, state: '{"n":3}', journal: [] }]);
    // a has not learnt yet that the partition moved: its late write comes after b's in the log.
    await a.write([{ assetId: 'pump-1', partition: 2, state: '{"n":99}', journal: [] }]);
    // Once a learns, it writes nothing more for the partition.
    a.release(2);
    await a.write([{ assetId: 'pump-2', partition: 2, state: '{"n":99}', journal: [] }]);

    // The partition comes back to a (restarted, or rejoined): the newest state, not what it left.
    const again = await open(topic, 'a');
    const back = new Map((await again.restore(2)).map((e) => [e.assetId, e]));
    expect(back.get('pump-1')).toMatchObject({ state: '{"n":3}', instance: 'b', epoch: 2 });
    expect(back.get('pump-2')).toMatchObject({ state: '{"n":1}' });
    await again.write([{ assetId: 'pump-1', partition: 2, state: '{"n":4}', journal: [] }]);
    const c = await open(topic, 'c');
    expect((await c.restore(2)).find((e) => e.assetId === 'pump-1')).toMatchObject({
      state: '{"n":4}',
      epoch: 3,
    });
  });

  it('refuses to start without its topic', async () => {
    const changelog = createStateChangelog({
      kafka,
      topic: uniqueName('missing-changelog'),
      groupId: uniqueName('changelog-group'),
      instance: 'a',
      logger: createSilentLogger(),
    });
    await expect(changelog.start()).rejects.toThrow(/does not exist/);
  });
});
