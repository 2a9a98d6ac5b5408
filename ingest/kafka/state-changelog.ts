// The state changelog: a compacted Kafka topic keyed by asset, with the same
// partition numbers as the input, holding each asset's newest committed state
// (opaque to ingest) and the readings that rebuild its open cells and window
// ring. The owner of an input partition writes after each local commit (acks
// from all in-sync replicas, before the input offset is committed); an
// instance that gains the partition reads it to its end before it takes the
// partition's records, so state follows the partition the way Kafka Streams'
// changelogs do.
//
// Fencing: every record carries the writer's epoch for its partition, one
// above the highest epoch the writer found when it restored the partition. A
// reader keeps, per asset, the record of the highest epoch (the newest of
// equals), so a stale owner that writes after the handover cannot replace the
// new owner's state; a writer stops writing a partition as soon as it learns
// the partition moved away.
import { randomUUID } from 'node:crypto';
import type kafkajs from 'kafkajs';
import type { Consumer, Producer } from 'kafkajs';
import { type Logger, PipelineError } from '../../core/index.js';
import type { SensorReading } from '../reading.js';

type Kafka = InstanceType<typeof kafkajs.Kafka>;

export type ChangelogReading = SensorReading & { receivedAtMs: number };

/** One asset's state as the changelog holds it. */
export interface ChangelogEntry {
  assetId: string;
  partition: number;
  /** The writer's epoch for the partition (see the fencing note above). */
  epoch: number;
  /** The identity of the writing instance (for logs). */
  instance: string;
  /** The asset's committed state, as its owner serialized it. */
  state: string;
  /** The asset's newest readings, enough to rebuild its open cells and window ring. */
  journal: ChangelogReading[];
}

export type ChangelogWrite = Omit<ChangelogEntry, 'epoch' | 'instance'>;

export interface StateChangelog {
  /** Connects the producer and starts reading the topic from its beginning. */
  start(): Promise<void>;
  /**
   * Reads the partition to the end it has now and returns its assets' newest entries; from then on
   * this instance writes the partition with an epoch above every one found there.
   */
  restore(partition: number): Promise<ChangelogEntry[]>;
  /** The partition moved to another instance: its writes are dropped from now on. */
  release(partition: number): void;
  /**
   * Writes the entries of partitions this instance holds (acks from all in-sync replicas); resolves
   * once they are durable. Entries of a released partition are dropped (the new owner's state wins).
   */
  write(entries: readonly ChangelogWrite[]): Promise<void>;
  /** Stops reading and disconnects, after the writes in progress. */
  stop(): Promise<void>;
}

export interface StateChangelogOptions {
  kafka: Kafka;
  topic: string;
  /** The input's consumer group; the reader's group is derived from it and unique per start. */
  groupId: string;
  instance: string;
  logger: Logger;
}

/** Bytes of record values per produce request; the broker's default limit is about 1 MB. */
const maxSendBytes = 256 * 1024;

interface Waiter {
  partition: number;
  offset: bigint;
  resolve: () => void;
}

export function createStateChangelog(options: StateChangelogOptions): StateChangelog {
  const { kafka, topic, instance } = options;
  const log = options.logger.child({ component: 'ingest.kafka.changelog' });
  /** The newest entry per asset, of the highest epoch. */
  const table = new Map<string, ChangelogEntry>();
  /** Per partition: the offset after the last record read. */
  const positions = new Map<number, bigint>();
  /** Per partition this instance holds: the epoch it writes with. */
  const epochs = new Map<number, number>();
  let waiters: Waiter[] = [];
  let producer: Producer | undefined;
  let reader: Consumer | undefined;
  let queue: { messages: { key: string; value: string; partition: number }[]; settle: Settle }[] = [];
  let sending: Promise<void> | undefined;

  const take = (entry: ChangelogEntry) => {
    const held = table.get(entry.assetId);
    if (held !== undefined && held.epoch > entry.epoch) return; // a stale owner's late write
    table.set(entry.assetId, entry);
  };

  const wake = () => {
    const still: Waiter[] = [];
    for (const w of waiters) {
      if ((positions.get(w.partition) ?? 0n) >= w.offset) w.resolve();
      else still.push(w);
    }
    waiters = still;
  };

  const flush = async (): Promise<void> => {
    while (queue.length > 0) {
      const taking = queue;
      queue = [];
      try {
        // Compaction keeps only an asset's newest record: so does one send. Sends stay well under
        // the broker's request size limit.
        const newest = new Map<string, { key: string; value: string; partition: number }>();
        for (const t of taking) for (const m of t.messages) newest.set(m.key, m);
        let chunk: { key: string; value: string; partition: number }[] = [];
        let bytes = 0;
        for (const m of newest.values()) {
          if (chunk.length > 0 && bytes + m.value.length > maxSendBytes) {
            await producer!.send({ topic, acks: -1, messages: chunk });
            chunk = [];
            bytes = 0;
          }
          chunk.push(m);
          bytes += m.value.length + m.key.length;
        }
        if (chunk.length > 0) await producer!.send({ topic, acks: -1, messages: chunk });
        for (const t of taking) t.settle.resolve();
      } catch (err) {
        for (const t of taking) t.settle.reject(err);
      }
    }
    sending = undefined;
  };

  return {
    async start() {
      const admin = kafka.admin();
      try {
        await admin.connect();
        const topics = await admin.listTopics();
        if (!topics.includes(topic))
          throw new PipelineError(
            'INGEST_SOURCE_FAILED',
            `the state changelog topic "${topic}" (ingest.kafka.changelogTopic) does not exist; create it compacted, with as many partitions as the input`,
            { details: { topic } },
          );
      } finally {
        await admin.disconnect().catch(() => {});
      }
      producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false });
      await producer.connect();
      // A group of its own, unique per start, so every instance reads every partition from the start.
      reader = kafka.consumer({
        groupId: `${options.groupId}.changelog.${instance}.${randomUUID()}`,
        allowAutoTopicCreation: false,
      });
      await reader.connect();
      await reader.subscribe({ topics: [topic], fromBeginning: true });
      await reader.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) {
            const assetId = message.key?.toString();
            if (assetId === undefined || message.value === null) continue;
            try {
              const parsed = JSON.parse(message.value.toString()) as Omit<
                ChangelogEntry,
                'assetId' | 'partition'
              >;
              take({ ...parsed, assetId, partition: batch.partition });
            } catch (err) {
              log.warn(
                { err, assetId, offset: message.offset },
                'Skipped an unreadable state changelog record.',
              );
            }
          }
          if (batch.messages.length > 0) positions.set(batch.partition, BigInt(batch.lastOffset()) + 1n);
          wake();
        },
      });
    },

    async restore(partition) {
      const admin = kafka.admin();
      let end: bigint;
      try {
        await admin.connect();
        const offsets = await admin.fetchTopicOffsets(topic);
        const found = offsets.find((o) => o.partition === partition);
        if (found === undefined)
          throw new PipelineError(
            'INGEST_SOURCE_FAILED',
            `the state changelog topic "${topic}" has no partition ${partition}; give it as many partitions as the input`,
            { details: { topic, partition } },
          );
        end = BigInt(found.high);
      } finally {
        await admin.disconnect().catch(() => {});
      }
      if ((positions.get(partition) ?? 0n) < end)
        await new Promise<void>((resolve) => {
          waiters.push({ partition, offset: end, resolve });
          wake();
        });
      const entries = [...table.values()].filter((e) => e.partition === partition);
      const newestEpoch = entries.reduce((max, e) => Math.max(max, e.epoch), 0);
      epochs.set(partition, newestEpoch + 1);
      return entries;
    },

    release(partition) {
      epochs.delete(partition);
    },

    write(entries) {
      const messages: { key: string; value: string; partition: number }[] = [];
      for (const e of entries) {
        const epoch = epochs.get(e.partition);
        if (epoch === undefined) continue;
        const { assetId, partition, ...rest } = e;
        messages.push({ key: assetId, partition, value: JSON.stringify({ ...rest, epoch, instance }) });
      }
      if (messages.length === 0 || producer === undefined) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        queue.push({ messages, settle: { resolve, reject } });
        sending ??= flush();
      });
    },

    async stop() {
      await sending;
      await Promise.allSettled([reader?.disconnect(), producer?.disconnect()]);
      for (const w of waiters) w.resolve();
      waiters = [];
    },
  };
}

interface Settle {
  resolve: () => void;
  reject: (err: unknown) => void;
}
