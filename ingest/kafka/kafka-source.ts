// The Kafka source (kafkajs): a consumer group with autoCommit off. Records are
// handed to the pipeline in order per partition and may complete out of order;
// an offset is committed only once it and every earlier record of its partition
// completed. Too many records in flight pause the partitions until they drain.
// A record whose dead letter cannot be written (topic missing, access denied,
// record too large) pauses its partition and is retried with back-off: the
// partition neither skips it nor reads anything again, and resumes by itself.
import { readFileSync } from 'node:fs';
import kafkajs, {
  type Consumer,
  type EachBatchPayload,
  type KafkaConfig as KafkaJsConfig,
  type Producer,
} from 'kafkajs';
import {
  type Clock,
  createRateLimitedLog,
  type Logger,
  noopTelemetry,
  PipelineError,
  type Telemetry,
} from '../../core/index.js';
import type { KafkaConfig } from '../config.js';
import { type DeadLetter, toDeadLetter } from '../dead-letter/dead-letter.js';
import type { Decoder } from '../decode/decoder.js';
import { createMessageIntake } from '../message-intake.js';
import type { DeliveryHandler, Source } from '../source.js';
import { createIdentityAssigner } from './identity-assigner.js';
import { OffsetTracker } from './offset-tracker.js';
import type { StateChangelog } from './state-changelog.js';

const { Kafka, logLevel, Partitioners, PartitionAssigners } = kafkajs;

export interface KafkaSourceDeps {
  decoder: Decoder;
  logger: Logger;
  clock: Clock;
  telemetry?: Telemetry;
  /**
   * Called after a rebalance took partitions away from this instance, with their numbers; the
   * pipeline drops the aligner and window state of their assets (another instance owns them now).
   */
  onPartitionsRevoked?: (partitions: readonly number[]) => void;
  /**
   * This instance's stable identity: partitions are assigned sticky to it (see identity-assigner.ts),
   * so they return to the same instance after a restart. Unset: kafkajs's round robin.
   */
  instance?: string;
  /**
   * The state changelog (`changelogTopic`): started with the source and stopped after its last
   * commit; partitions lost are released from it at once, so this instance no longer writes them.
   */
  changelog?: StateChangelog;
  /**
   * Called with the partition numbers this instance gained in a rebalance (all of them at the first
   * assignment); their records wait, with heartbeats going on, until the returned promise resolves
   * (the gained assets' state is restored). Never rejects: it retries until it succeeds.
   */
  onPartitionsGained?: (partitions: readonly number[]) => Promise<void>;
}

interface PartitionState {
  tracker: OffsetTracker;
  /** The highest offset handed over; a record at or below it is read again (rejoin, seek). */
  newestTaken: bigint;
}

const partitionKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;
const partitionNumberOf = (key: string): number => Number(key.split('\u0000')[1]);

export function createKafkaSource(config: KafkaConfig, deps: KafkaSourceDeps): Source {
  const log = deps.logger.child({ component: 'ingest.kafka' });
  const telemetry = deps.telemetry ?? noopTelemetry;
  const rateLimitedLog = createRateLimitedLog(log, deps.clock);
  const intake = createMessageIntake({ decoder: deps.decoder, telemetry, rateLimitedLog });
  const partitions = new Map<string, PartitionState>();
  const paused = new Map<string, { topic: string; partition: number }>();
  /** Partitions waiting for the dead-letter topic, with the number of their letters still unwritten. */
  const blocked = new Map<string, { topic: string; partition: number; letters: number; reason: string }>();
  let deadLetterTopicMissing: string | undefined;
  let topicCheckTimer: NodeJS.Timeout | undefined;
  const backoffTimers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  let consumer: Consumer | undefined;
  let isMember = false;
  let producer: Producer | undefined;
  let inFlight = 0;
  let isStopped = false;
  let commitTimer: NodeJS.Timeout | undefined;
  let commitChain: Promise<void> = Promise.resolve();
  const pending = new Set<Promise<void>>();
  /** The partitions of the current assignment, and the restorations their records wait for. */
  let assignedKeys = new Set<string>();
  const restoring = new Map<string, Promise<void>>();

  const kafka = new Kafka(buildClientConfig(config, log, rateLimitedLog));

  const stateOf = (topic: string, partition: number): PartitionState => {
    const key = partitionKey(topic, partition);
    let state = partitions.get(key);
    if (state === undefined) {
      state = { tracker: new OffsetTracker(), newestTaken: -1n };
      partitions.set(key, state);
    }
    return state;
  };

  const commit = (): Promise<void> => {
    commitChain = commitChain.then(async () => {
      const offsets = [];
      for (const [key, state] of partitions) {
        const offset = state.tracker.pendingCommit();
        if (offset === undefined) continue;
        const [topic, partition] = key.split('\u0000');
        offsets.push({ topic, partition: Number(partition), offset: offset.toString(), state });
      }
      if (offsets.length === 0 || consumer === undefined) return;
      try {
        await consumer.commitOffsets(offsets.map(({ state: _s, ...o }) => o));
        for (const o of offsets) o.state.tracker.markCommitted(BigInt(o.offset));
      } catch (err) {
        // Not fatal: the records are committed with a later commit, or redelivered after a rebalance.
        rateLimitedLog.warn('commit', { err }, 'Could not commit Kafka offsets; will retry.');
      }
    });
    return commitChain;
  };

  const resumeIfDrained = () => {
    if (paused.size === 0 || inFlight > config.maxInFlight / 2 || consumer === undefined) return;
    // A partition waiting for its dead-letter topic stays paused: it resumes once its letters are written.
    const toResume: { topic: string; partition: number }[] = [];
    for (const [key, p] of paused) {
      if (blocked.has(key)) continue;
      toResume.push(p);
      paused.delete(key);
    }
    if (toResume.length > 0)
      consumer.resume(toResume.map(({ topic, partition }) => ({ topic, partitions: [partition] })));
  };

  /** Waits `ms`, or less when the source stops. */
  const backoff = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          backoffTimers.delete(entry);
          resolve();
        }, ms),
        wake: resolve,
      };
      entry.timer.unref();
      backoffTimers.add(entry);
    });

  /** Stops fetching a partition; unresolved records are fetched again on resume. */
  const pausePartition = (key: string, topic: string, partition: number) => {
    consumer?.pause([{ topic, partitions: [partition] }]);
    paused.set(key, { topic, partition });
    telemetry.count('ingest_partition_pauses_total', { transport: 'kafka' });
  };

  const block = (topic: string, partition: number, err: unknown) => {
    const key = partitionKey(topic, partition);
    const reason = (err as Error)?.message ?? String(err);
    const entry = blocked.get(key);
    if (entry !== undefined) {
      entry.letters++;
      entry.reason = reason;
      return;
    }
    blocked.set(key, { topic, partition, letters: 1, reason });
    pausePartition(key, topic, partition);
  };

  const unblock = (topic: string, partition: number) => {
    const key = partitionKey(topic, partition);
    const entry = blocked.get(key);
    if (entry === undefined || --entry.letters > 0) return;
    blocked.delete(key);
    deadLetterTopicMissing = undefined;
    log.info(
      { topic, partition, deadLetterTopic: config.deadLetterTopic },
      'The dead-letter topic takes records again; resuming the partition.',
    );
    paused.delete(key);
    consumer?.resume([{ topic, partitions: [partition] }]);
  };

  /**
   * Writes the dead letter, retrying with back-off while the topic refuses it. Only a written letter
   * counts as dead-lettered; until then the record is not complete, so no commit passes it.
   */
  const deadLetterUntilWritten = async (
    letter: DeadLetter,
    key: Buffer | null,
    topic: string,
    partition: number,
    state: PartitionState,
  ): Promise<void> => {
    const retry = config.deadLetterRetry;
    let delayMs = retry.initialDelayMs;
    let isBlocking = false;
    try {
      for (;;) {
        try {
          await deadLetter(letter, key);
          return;
        } catch (err) {
          telemetry.count('ingest_dead_letter_failures_total', { transport: 'kafka' });
          // Stopped or revoked: not completed, so the next owner reads the record again.
          if (isStopped || partitions.get(partitionKey(topic, partition)) !== state) throw err;
          if (!isBlocking) {
            isBlocking = true;
            block(topic, partition, err);
          }
          rateLimitedLog.warn(
            `dead-letter-blocked:${topic}:${partition}`,
            {
              err,
              topic,
              partition,
              offset: letter.offset,
              deadLetterTopic: config.deadLetterTopic,
              retryInMs: delayMs,
            },
            'Cannot write the dead-letter topic; the partition is paused and the write retried with back-off.',
          );
          await backoff(delayMs);
          delayMs = Math.min(retry.maxDelayMs, delayMs * retry.multiplier);
        }
      }
    } finally {
      if (isBlocking) unblock(topic, partition);
    }
  };

  /** Start-up check: the dead-letter topic must exist; until it does, readiness says so. */
  const checkDeadLetterTopic = async (): Promise<void> => {
    const deadLetterTopic = config.deadLetterTopic;
    if (deadLetterTopic === undefined) return;
    const admin = kafka.admin();
    try {
      await admin.connect();
      const topics = await admin.listTopics();
      if (topics.includes(deadLetterTopic)) {
        if (deadLetterTopicMissing !== undefined)
          log.info({ deadLetterTopic }, 'The dead-letter topic exists now.');
        deadLetterTopicMissing = undefined;
        if (topicCheckTimer !== undefined) clearInterval(topicCheckTimer);
        topicCheckTimer = undefined;
        return;
      }
      if (deadLetterTopicMissing === undefined)
        log.error(
          { deadLetterTopic },
          'The dead-letter topic does not exist; create it (gruwatch does not create topics). Records to dead-letter pause their partition until it exists.',
        );
      deadLetterTopicMissing = `the dead-letter topic "${deadLetterTopic}" (ingest.kafka.deadLetterTopic) does not exist; create it`;
      if (topicCheckTimer === undefined && !isStopped) {
        topicCheckTimer = setInterval(() => void checkDeadLetterTopic(), config.deadLetterRetry.maxDelayMs);
        topicCheckTimer.unref();
      }
    } catch (err) {
      rateLimitedLog.warn(
        'dead-letter-topic-check',
        { err, deadLetterTopic },
        'Could not check the dead-letter topic.',
      );
    } finally {
      await admin.disconnect().catch(() => {});
    }
  };

  const deadLetter = async (letter: DeadLetter, key: Buffer | null): Promise<void> => {
    if (producer === undefined || config.deadLetterTopic === undefined) return;
    await producer.send({
      topic: config.deadLetterTopic,
      acks: -1,
      messages: [
        {
          key,
          value: Buffer.from(letter.payloadBase64, 'base64'),
          headers: {
            'gruwatch-error-reason': letter.reason,
            'gruwatch-error-message': letter.message,
            'gruwatch-source-topic': letter.topic,
            'gruwatch-source-partition': String(letter.partition),
            'gruwatch-source-offset': String(letter.offset),
          },
        },
      ],
    });
    telemetry.count('ingest_dead_letters_total', { transport: 'kafka' });
  };

  const eachBatch = (handler: DeliveryHandler) => async (payload: EachBatchPayload) => {
    const { batch } = payload;
    const { topic, partition } = batch;
    const stateKey = partitionKey(topic, partition);
    const restored = restoring.get(stateKey);
    if (restored !== undefined) {
      // A gained partition is read only after its state is back; the group must not think us dead.
      let isDone = false;
      void restored.then(() => {
        isDone = true;
      });
      while (!isDone) {
        await Promise.race([restored, new Promise((r) => setTimeout(r, config.heartbeatIntervalMs))]);
        if (!payload.isRunning() || payload.isStale()) return;
        await payload.heartbeat();
      }
      if (restoring.get(stateKey) === restored) restoring.delete(stateKey);
    }
    const state = stateOf(topic, partition);
    for (const message of batch.messages) {
      if (!payload.isRunning() || payload.isStale() || isStopped) break;
      // Paused for its dead-letter topic: unresolved records are fetched again on resume.
      if (blocked.has(stateKey)) break;
      if (inFlight >= config.maxInFlight) {
        // Backpressure: stop fetching this partition.
        pausePartition(stateKey, topic, partition);
        break;
      }
      const offset = BigInt(message.offset);
      const key = message.key === null ? undefined : message.key.toString();
      const origin = {
        transport: 'kafka' as const,
        topic,
        partition,
        offset: message.offset,
        key,
        receivedAtMs: deps.clock.nowMs(),
        ...(offset <= state.newestTaken ? { isRedelivery: true } : {}),
      };
      if (offset > state.newestTaken) state.newestTaken = offset;
      const payloadBytes = message.value ?? Buffer.alloc(0);
      const result = intake.take(payloadBytes, origin);
      state.tracker.take(offset);
      inFlight++;
      const work = (async () => {
        if (result.deadLetter !== undefined)
          await deadLetterUntilWritten(result.deadLetter, message.key, topic, partition, state);
        const delivery = result.delivery;
        if (delivery !== undefined) {
          await handler({
            ...delivery,
            // Its partition moved away meanwhile (held back or in flight through a rebalance): the
            // next owner reads it again from the last commit, and here it must not be used.
            isStillOwned: () => partitions.get(stateKey) === state,
            deadLetter: (issue) =>
              deadLetterUntilWritten(
                toDeadLetter(delivery.origin, issue, delivery.payload),
                message.key,
                topic,
                partition,
                state,
              ),
          });
        }
      })();
      const settled = work.then(
        () => {
          inFlight--;
          // A partition revoked meanwhile has a new state (or none): its completions no longer count.
          if (partitions.get(stateKey) === state) state.tracker.complete(offset);
          if (config.commitIntervalMs === 0) void commit();
          resumeIfDrained();
        },
        (err: unknown) => {
          inFlight--;
          log.error(
            { err, topic, partition, offset: message.offset },
            'A Kafka record failed; reading the partition again from it.',
          );
          // Read again from the failed record; the tracker forgets the later entries (they come again)
          // and keeps earlier outstanding ones, so no commit passes an unfinished record.
          if (partitions.get(stateKey) === state) {
            consumer?.seek({ topic, partition, offset: message.offset });
          }
          resumeIfDrained();
        },
      );
      pending.add(settled);
      void settled.finally(() => pending.delete(settled));
      payload.resolveOffset(message.offset);
    }
    await payload.heartbeat();
  };

  const onAssignment = (assignment: Record<string, number[]>) => {
    const assigned = new Set<string>();
    for (const [topic, parts] of Object.entries(assignment)) {
      for (const p of parts) assigned.add(partitionKey(topic, p));
    }
    const gained = new Set<number>();
    const lost = new Set<number>();
    for (const key of assigned) if (!assignedKeys.has(key)) gained.add(partitionNumberOf(key));
    for (const key of assignedKeys) if (!assigned.has(key)) lost.add(partitionNumberOf(key));
    for (const p of lost) deps.changelog?.release(p);
    for (const key of assignedKeys) if (!assigned.has(key)) restoring.delete(key);
    assignedKeys = assigned;
    // A stopping instance reads nothing more: the partition's next owner restores it.
    if (gained.size > 0 && deps.onPartitionsGained !== undefined && !isStopped) {
      const restore = deps.onPartitionsGained([...gained]);
      for (const key of assigned) if (gained.has(partitionNumberOf(key))) restoring.set(key, restore);
    }
    for (const key of partitions.keys()) {
      if (assigned.has(key)) continue;
      partitions.delete(key);
      paused.delete(key);
      blocked.delete(key);
    }
    log.info(
      { partitions: [...assigned].map((k) => k.replace('\u0000', ':')) },
      'Kafka partitions assigned.',
    );
    // An asset's records go to the same partition number in every topic of the group.
    const stillRead = new Set([...assigned].map(partitionNumberOf));
    const revoked = [...lost].filter((p) => !stillRead.has(p));
    if (revoked.length > 0) deps.onPartitionsRevoked?.(revoked);
  };

  return {
    async start(handler) {
      if (consumer !== undefined || isStopped) {
        throw new PipelineError('INGEST_SOURCE_FAILED', 'A Kafka source can be started only once.');
      }
      const c = kafka.consumer({
        groupId: config.groupId,
        sessionTimeout: config.sessionTimeoutMs,
        heartbeatInterval: config.heartbeatIntervalMs,
        allowAutoTopicCreation: false,
        // Round robin stays listed so a group can be upgraded one instance at a time.
        ...(deps.instance === undefined
          ? {}
          : { partitionAssigners: [createIdentityAssigner(deps.instance), PartitionAssigners.roundRobin] }),
      });
      consumer = c;
      c.on(c.events.GROUP_JOIN, (event) => {
        isMember = true;
        onAssignment(event.payload.memberAssignment);
      });
      // Commit what is done before partitions move, so the next owner repeats as little as possible.
      c.on(c.events.REBALANCING, () => {
        isMember = false;
        void commit();
      });
      for (const event of [c.events.CRASH, c.events.DISCONNECT, c.events.STOP]) {
        c.on(event, () => {
          isMember = false;
        });
      }
      try {
        if (config.deadLetterTopic !== undefined) {
          producer = createDeadLetterProducer(kafka);
          await producer.connect();
          await checkDeadLetterTopic();
        }
        await deps.changelog?.start();
        await c.connect();
        const topics = config.topics ?? [new RegExp(config.topicPattern!)];
        await c.subscribe({ topics, fromBeginning: config.isFromBeginning });
        await c.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: 4,
          eachBatch: eachBatch(handler),
        });
      } catch (err) {
        await Promise.allSettled([c.disconnect(), producer?.disconnect(), deps.changelog?.stop()]);
        throw new PipelineError(
          'INGEST_SOURCE_FAILED',
          `Cannot start consuming from Kafka: ${(err as Error).message}`,
          {
            cause: err,
            retriable: true,
            details: { brokers: config.brokers, groupId: config.groupId },
          },
        );
      }
      if (config.commitIntervalMs > 0) {
        commitTimer = setInterval(() => void commit(), config.commitIntervalMs);
        commitTimer.unref();
      }
    },

    isLive() {
      return isMember && paused.size === 0 && blocked.size === 0;
    },

    problems() {
      const found: string[] = [];
      if (deadLetterTopicMissing !== undefined) found.push(deadLetterTopicMissing);
      for (const b of blocked.values())
        found.push(
          `partition ${b.topic}:${b.partition} is paused: its dead-letter topic "${config.deadLetterTopic}" refuses records (${b.reason}); retrying with back-off, it resumes by itself once the topic takes them`,
        );
      return found;
    },

    async stop() {
      if (isStopped) return;
      isStopped = true;
      if (commitTimer !== undefined) clearInterval(commitTimer);
      if (topicCheckTimer !== undefined) clearInterval(topicCheckTimer);
      for (const entry of backoffTimers) {
        clearTimeout(entry.timer);
        entry.wake();
      }
      backoffTimers.clear();
      if (consumer === undefined) return;
      // Commit while still a member (kafkajs refuses commits after stop): fetching pauses, the
      // records in progress finish (writing their state), their offsets are committed, then leave.
      const topics = new Set([...assignedKeys].map((k) => k.split('\u0000')[0]!));
      if (topics.size > 0) consumer.pause([...topics].map((topic) => ({ topic })));
      await Promise.allSettled([...pending]);
      await commit();
      await consumer.stop();
      await Promise.allSettled([...pending]);
      await commit();
      await Promise.allSettled([consumer.disconnect(), producer?.disconnect(), deps.changelog?.stop()]);
    },
  };
}

/** A Kafka client with the source's brokers, security and logging (for the state changelog). */
export function createKafkaClient(
  config: KafkaConfig,
  deps: { logger: Logger; clock: Clock },
): InstanceType<typeof Kafka> {
  const log = deps.logger.child({ component: 'ingest.kafka' });
  return new Kafka(buildClientConfig(config, log, createRateLimitedLog(log, deps.clock)));
}

/**
 * The producer of the dead-letter topic. Its partitioner is named, not left to the default, so kafkajs
 * does not warn about its v2 default at every start; murmur2 keeps a key on one partition as Java does.
 */
export function createDeadLetterProducer(kafka: InstanceType<typeof Kafka>): Producer {
  return kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    // Few client retries: a refused dead letter is retried by deadLetterUntilWritten, with the
    // partition paused, rather than inside one send for as long as kafkajs's own back-off lasts.
    retry: { initialRetryTime: 300, retries: 2 },
  });
}

/** The kafkajs client options of a Kafka connection: brokers, TLS, SASL, logs through our logger. */
export function buildClientConfig(
  config: Pick<KafkaConfig, 'clientId' | 'brokers' | 'connectionTimeoutMs' | 'tls' | 'sasl'>,
  log: Logger,
  rateLimitedLog: ReturnType<typeof createRateLimitedLog>,
): KafkaJsConfig {
  const client: KafkaJsConfig = {
    clientId: config.clientId,
    brokers: config.brokers,
    connectionTimeout: config.connectionTimeoutMs,
    retry: { initialRetryTime: 300, maxRetryTime: 30_000, retries: 10 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log: entry }) => {
        const { message, ...fields } = entry;
        if (level <= logLevel.WARN) {
          rateLimitedLog.warn(
            `kafkajs:${namespace}:${message}`,
            { namespace, ...fields },
            `kafkajs: ${message}`,
          );
        } else {
          log.debug({ namespace, ...fields }, `kafkajs: ${message}`);
        }
      },
  };
  if (config.tls !== undefined) {
    const tls = config.tls;
    client.ssl = {
      rejectUnauthorized: tls.isServerVerified,
      ...(tls.caFile === undefined ? {} : { ca: [readFileSync(tls.caFile)] }),
      ...(tls.certFile === undefined ? {} : { cert: readFileSync(tls.certFile) }),
      ...(tls.keyFile === undefined ? {} : { key: readFileSync(tls.keyFile) }),
    };
  }
  if (config.sasl !== undefined) {
    const { mechanism, username, password } = config.sasl;
    // The secret is revealed here, once, for the client that authenticates with it.
    client.sasl = { mechanism, username, password: password.reveal() } as KafkaJsConfig['sasl'];
  }
  return client;
}
