// The `bridge` section: `gruwatch bridge` reads an MQTT broker with the same
// topic templates and decoders as the MQTT source, and produces the readings
// to a Kafka topic keyed by asset, for instances that consume it as a group.
import { z } from 'zod';
import {
  deadLetterConfigSchema,
  kafkaConfigSchema,
  mqttConfigSchema,
  saslSchema,
  tlsSchema,
} from '../config.js';
import { decoderConfigSchema } from '../decode/config.js';

export const bridgeKafkaConfigSchema = z
  .strictObject({
    brokers: kafkaConfigSchema.shape.brokers,
    clientId: z
      .string()
      .min(1)
      .default('gruwatch-bridge')
      .describe('Kafka client id, shown in broker logs and quotas.'),
    topic: z
      .string()
      .min(1)
      .describe(
        'Topic the readings are produced to, one record per asset and MQTT message, keyed by asset id. It must exist (the bridge does not create topics); give it enough partitions for the consumer group that reads it.',
      ),
    connectionTimeoutMs: kafkaConfigSchema.shape.connectionTimeoutMs,
    tls: tlsSchema.optional(),
    sasl: saslSchema.optional(),
  })
  .describe('The Kafka cluster and topic the bridge produces to (idempotent producer, acks=all).');

export const bridgeHttpConfigSchema = z
  .strictObject({
    host: z
      .string()
      .default('127.0.0.1')
      .describe('Address the health and metrics endpoints of the bridge listen on.'),
    port: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(8081)
      .describe('TCP port of /healthz, /readyz and /metrics of the bridge; 0 picks a free port.'),
  })
  .describe('The HTTP endpoints of `gruwatch bridge`: liveness, readiness and Prometheus metrics.');

export const bridgeConfigSchema = z
  .strictObject({
    mqtt: mqttConfigSchema,
    decoder: decoderConfigSchema,
    deadLetter: deadLetterConfigSchema.default({ type: 'none' }),
    kafka: bridgeKafkaConfigSchema,
    http: bridgeHttpConfigSchema.prefault({}),
  })
  .superRefine((b, ctx) => {
    if (b.mqtt.sharedGroup !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['mqtt', 'sharedGroup'],
        message:
          "`bridge.mqtt.sharedGroup` would let the broker split an asset's messages between bridges, which then reach Kafka out of order; remove it, and run one bridge per topic filter to spread the load.",
      });
    }
    if (b.mqtt.connections > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['mqtt', 'connections'],
        message:
          "`bridge.mqtt.connections` must be 1: several connections would hand an asset's messages to Kafka out of order; run one bridge per topic filter to spread the load.",
      });
    }
    if (b.mqtt.receiveMaximum !== undefined && b.mqtt.receiveMaximum > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['mqtt', 'receiveMaximum'],
        message:
          "`bridge.mqtt.receiveMaximum` must be 1: the bridge hands one message at a time to Kafka, so that a retried send cannot put an asset's records out of order; remove it, and run one bridge per topic filter to spread the load.",
      });
    }
    if (b.mqtt.qos !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['mqtt', 'qos'],
        message:
          '`bridge.mqtt.qos` must be 1: the bridge acknowledges a message only after Kafka has it, which QoS 0 cannot express.',
      });
    }
  })
  .describe(
    '`gruwatch bridge`: MQTT in (QoS 1, persistent session), Kafka out keyed by asset (acks=all), the MQTT message acknowledged only after Kafka acknowledged its records.',
  );

export type BridgeConfig = z.infer<typeof bridgeConfigSchema>;
export type BridgeConfigInput = z.input<typeof bridgeConfigSchema>;
