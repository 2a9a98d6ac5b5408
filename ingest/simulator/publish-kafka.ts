// Produces ticks to Kafka with kafkajs: one record per asset per tick, key =
// asset id (so an asset's readings stay in order on one partition), value =
// the same JSON message as the MQTT json format.
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { type Logger, PipelineError } from '../../core/index.js';
import type { SimulateTarget } from './config.js';
import { buildJsonMessage } from './json-message.js';
import type { PlantAsset } from './plant.js';
import type { TickPublisher } from './publisher.js';

export type KafkaTarget = Extract<SimulateTarget, { type: 'kafka' }>;

export function createKafkaPublisher(
  target: KafkaTarget,
  assets: readonly PlantAsset[],
  deps: { logger: Logger },
): TickPublisher {
  const log = deps.logger.child({ component: 'ingest.simulator.kafka' });
  let producer: Producer | undefined;
  const fail = (what: string, err: unknown): PipelineError =>
    new PipelineError(
      'SIMULATOR_PUBLISH_FAILED',
      `${what} on Kafka ${target.brokers.join(',')} (topic ${target.topic}) failed: ${(err as Error).message}; check the brokers and that the topic exists or may be auto-created.`,
      { retriable: true, cause: err, details: { brokers: target.brokers, topic: target.topic } },
    );
  return {
    async open() {
      const kafka = new Kafka({
        clientId: target.clientId,
        brokers: target.brokers,
        logLevel: logLevel.NOTHING,
      });
      // The default (murmur2) partitioner keeps each asset on one partition, as Java clients would.
      producer = kafka.producer({
        allowAutoTopicCreation: true,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      try {
        await producer.connect();
      } catch (err) {
        throw fail('connecting', err);
      }
      log.info({ brokers: target.brokers, topic: target.topic }, 'Simulator connected to Kafka.');
    },
    async publish(tick) {
      const messages = tick.frames.flatMap((frame, a) => {
        const message = buildJsonMessage(frame, assets[a].channels, tick.timestampMs);
        return message === undefined ? [] : [{ key: frame.assetId, value: JSON.stringify(message) }];
      });
      if (messages.length === 0) return 0;
      try {
        await producer!.send({ topic: target.topic, acks: -1, messages });
      } catch (err) {
        throw fail('producing', err);
      }
      return messages.length;
    },
    async close() {
      const p = producer;
      producer = undefined;
      try {
        await p?.disconnect();
      } catch (err) {
        throw fail('disconnecting', err);
      }
    },
  };
}
