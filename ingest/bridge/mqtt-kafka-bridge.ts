// MQTT → Kafka, keyed by asset. The MQTT source (topic templates, decoders,
// Sparkplug births and aliases, dead letters) hands over one decoded message at
// a time; its readings go to Kafka through an idempotent producer with
// acks=all, and only when Kafka acknowledged them does the source send the
// PUBACK. A failed send leaves the message unacknowledged: the source drops the
// connection and the broker redelivers it from the persistent session.
import kafkajs, { type Producer } from 'kafkajs';
import {
  type Clock,
  createRateLimitedLog,
  type Logger,
  noopTelemetry,
  PipelineError,
  type Telemetry,
} from '../../core/index.js';
import { createDecoder } from '../decode/create-decoder.js';
import { buildClientConfig } from '../kafka/kafka-source.js';
import { createMqttSource } from '../mqtt/mqtt-source.js';
import type { SourceDelivery } from '../source.js';
import { toBridgeRecords } from './bridge-record.js';
import type { BridgeConfig } from './config.js';

const { Kafka, Partitioners } = kafkajs;

export interface BridgeDeps {
  logger: Logger;
  clock: Clock;
  telemetry?: Telemetry;
}

/**
 * `start()` connects the producer, then subscribes; it resolves once both are up and rejects only on a
 * permanent error (refused credentials, a refused subscription). `stop()` lets the message in flight
 * finish, disconnects from MQTT, then from Kafka; it is idempotent.
 */
export interface MqttKafkaBridge {
  start(): Promise<void>;
  /** Subscribed to MQTT and able to produce to Kafka. */
  isLive(): boolean;
  stop(): Promise<void>;
}

/** Record header that marks a message the MQTT broker delivered again (DUP flag): a possible duplicate. */
export const redeliveryHeader = 'gruwatch-redelivery';
/** Record header with the MQTT topic the readings came from. */
export const mqttTopicHeader = 'gruwatch-mqtt-topic';

export function createMqttKafkaBridge(config: BridgeConfig, deps: BridgeDeps): MqttKafkaBridge {
  const log = deps.logger.child({ component: 'ingest.bridge' });
  const telemetry = deps.telemetry ?? noopTelemetry;
  const rateLimitedLog = createRateLimitedLog(log, deps.clock);
  const decoder = createDecoder(config.decoder, { clock: deps.clock });
  const source = createMqttSource(
    // One message at a time: each waits for Kafka's acknowledgement before the next is sent, so a
    // retried send cannot overtake a later one.
    { ...config.mqtt, receiveMaximum: 1, deadLetter: config.deadLetter },
    { decoder, logger: deps.logger, clock: deps.clock, telemetry },
  );
  const kafka = new Kafka(buildClientConfig(config.kafka, log, rateLimitedLog));
  // Idempotent with one request in flight: a retried send neither duplicates nor reorders records.
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  let isProducerConnected = false;
  let isSendFailing = false;
  producer.on(producer.events.CONNECT, () => {
    isProducerConnected = true;
  });
  producer.on(producer.events.DISCONNECT, () => {
    isProducerConnected = false;
  });
  const topic = config.kafka.topic;

  const forward = async (delivery: SourceDelivery): Promise<void> => {
    for (const signal of delivery.signals) {
      // A Kafka source learns births and deaths from the readings' flow alone (see the README).
      telemetry.count('bridge_signals_total', { kind: signal.kind });
    }
    const records = toBridgeRecords(delivery.readings);
    if (records.length === 0) return;
    const isRedelivery = delivery.origin.isRedelivery === true;
    const headers: Record<string, string> = { [mqttTopicHeader]: delivery.origin.topic };
    if (isRedelivery) headers[redeliveryHeader] = '1';
    try {
      await producer.send({
        topic,
        acks: -1,
        messages: records.map((r) => ({ key: r.key, value: r.value, headers })),
      });
    } catch (err) {
      isSendFailing = true;
      telemetry.count('bridge_produce_failures_total');
      throw new PipelineError('INGEST_SOURCE_FAILED', `Cannot produce to Kafka topic "${topic}".`, {
        cause: err,
        retriable: true,
        details: { topic, brokers: config.kafka.brokers },
      });
    }
    isSendFailing = false;
    telemetry.count('bridge_records_total', {}, records.length);
    telemetry.count('bridge_readings_total', {}, delivery.readings.length);
    if (isRedelivery) telemetry.count('bridge_redeliveries_total');
  };

  let isStopped = false;
  return {
    async start() {
      try {
        await producer.connect();
      } catch (err) {
        throw new PipelineError(
          'INGEST_SOURCE_FAILED',
          `Cannot connect to Kafka: ${(err as Error).message}`,
          {
            cause: err,
            retriable: true,
            details: { brokers: config.kafka.brokers },
          },
        );
      }
      log.info({ brokers: config.kafka.brokers, topic }, 'Producing to Kafka; subscribing to MQTT.');
      await source.start(forward);
    },
    isLive() {
      return !isStopped && isProducerConnected && !isSendFailing && source.isLive();
    },
    async stop() {
      if (isStopped) return;
      isStopped = true;
      await source.stop();
      await producer.disconnect();
    },
  };
}
