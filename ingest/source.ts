// The Source contract every transport adapter (MQTT, Kafka) implements. A
// source owns its connection and decoding; the pipeline owns what happens to
// the readings. Acknowledgement follows the handler: at-least-once.
import type { AssetSignal, DecodeIssue } from './decode/decoder.js';
import type { SensorReading } from './reading.js';

/** Where one message came from. */
export interface DeliveryOrigin {
  transport: 'mqtt' | 'kafka';
  topic: string;
  /** Kafka partition; undefined for MQTT. */
  partition?: number;
  /** Kafka offset (decimal string, as Kafka gives it); undefined for MQTT. */
  offset?: string;
  /** Kafka message key; undefined for MQTT. */
  key?: string;
  /** Wall-clock time the source received the message, ms since the epoch. */
  receivedAtMs: number;
  /**
   * The message may have reached the pipeline before (MQTT: the broker set the DUP flag; Kafka: an
   * offset at or below one already handed over, read again after a rejoin or a seek).
   */
  isRedelivery?: boolean;
}

/** One decoded message handed to the pipeline. */
export interface SourceDelivery {
  readings: readonly SensorReading[];
  signals: readonly AssetSignal[];
  /** Readings dropped from an otherwise good message, with reasons (already counted by the source). */
  partialIssues: readonly DecodeIssue[];
  origin: DeliveryOrigin;
  /** The message bytes as received; kept so a later stage can dead-letter the message. */
  payload: Uint8Array;
  /**
   * Keeps the whole message as a dead letter with this reason (where the source has a dead-letter
   * target); resolves before the message is acknowledged.
   */
  deadLetter?(issue: { reason: 'asset_limit'; message: string }): Promise<void>;
  /**
   * False once this instance no longer owns the message's partition (Kafka: revoked by a rebalance
   * while the message waited or was in flight). Such a message is not used: its acknowledgement would
   * not count, and the partition's new owner reads it again. Undefined: always owned (MQTT).
   */
  isStillOwned?(): boolean;
}

/**
 * Resolves when the delivery's effects are as durable as the pipeline makes them; only then does the
 * source acknowledge the message (MQTT PUBACK, Kafka offset commit). Rejecting does not acknowledge:
 * the source logs the error and gets the message again (MQTT: drops the connection, so the broker
 * redelivers on reconnect; Kafka: seeks the partition back to the failed record).
 */
export type DeliveryHandler = (delivery: SourceDelivery) => Promise<void>;

/**
 * A stream of messages from one transport.
 *
 * Lifecycle: the factory validates nothing at run time (config is already parsed) and opens nothing.
 * `start(handler)` is called once; it connects and subscribes and resolves once the first connection
 * is established (it keeps retrying with back-off and never rejects because a broker is down; it
 * rejects only on a permanent error such as rejected credentials). Messages are handed to `handler`
 * one at a time per MQTT connection and in order per Kafka partition (Kafka partitions may run
 * concurrently). Undecodable messages never reach the handler: the source counts, logs (rate-limited)
 * and dead-letters them, then acknowledges them.
 *
 * `stop()` stops taking new messages, waits for handler promises already started, acknowledges what
 * completed, and disconnects; after it resolves the handler is not called again. `stop()` may be
 * called more than once and before `start()`; a stopped source cannot be started again.
 */
export interface Source {
  start(handler: DeliveryHandler): Promise<void>;
  stop(): Promise<void>;
  /**
   * Whether messages can reach the handler right now: connected, subscribed (Kafka: a member of the
   * group, not rebalancing) and not holding partitions back. While false, data may be waiting for us
   * at the broker, so the silence of an asset is not evidence that its sensors are silent.
   */
  isLive(): boolean;
  /**
   * Conditions that keep the source from making progress although it is connected (e.g. a Kafka
   * partition paused because its dead-letter topic cannot be written), each a sentence saying what
   * and what to do; empty when there are none. Read by readiness checks; may be called at any time.
   */
  problems?(): readonly string[];
}
