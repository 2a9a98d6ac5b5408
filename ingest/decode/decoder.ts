// The decoder contract: bytes of one message in, readings (or a reason for
// rejecting the message) out. Expected failures are values, not exceptions:
// a decoder never throws on bad input (fuzz tests hold it to that).
import type { SensorReading } from '../reading.js';

/** Where a message came from; decoders use it to fill asset/channel and to name the culprit in issues. */
export interface DecodeContext {
  /** MQTT topic or Kafka topic. */
  topic: string;
  /** Kafka message key, when there is one (the asset id by convention). */
  key?: string;
  /** Fields extracted from the topic by the topic template, e.g. { asset: "pump-7", channel: "flow" }. */
  topicFields?: Readonly<Record<string, string>>;
  /** Arrival time, used only when the payload carries no timestamp and the decoder allows it. */
  receivedAtMs: number;
}

/** Why a message was rejected; the metric label and dead-letter reason. */
export type DecodeRejectReason =
  | 'payload_empty'
  | 'payload_too_large'
  | 'invalid_encoding'
  | 'invalid_json'
  | 'invalid_line_protocol'
  | 'invalid_sparkplug'
  | 'missing_field'
  | 'invalid_value'
  | 'invalid_timestamp'
  | 'unknown_alias'
  | 'sequence_gap'
  | 'unsupported_message';

export interface DecodeIssue {
  reason: DecodeRejectReason;
  /** A sentence naming the field or part of the payload at fault. */
  message: string;
  /** Path of the offending field, e.g. "readings[3].value". */
  field?: string;
}

/**
 * Something a decoder learned about an asset that is not a reading:
 * - `unknown`: the asset's data cannot be trusted from `atMs` on (Sparkplug death or sequence gap);
 *   the detector suppresses alerts until readings resume.
 * - `online`: the asset (re)announced itself (Sparkplug birth).
 */
export interface AssetSignal {
  kind: 'unknown' | 'online';
  assetId: string;
  atMs: number;
  reason: string;
}

/** A message the transport should publish back (a Sparkplug rebirth request, NCMD). */
export interface OutboundCommand {
  topic: string;
  payload: Uint8Array;
}

export type DecodeResult =
  | {
      ok: true;
      readings: SensorReading[];
      signals?: AssetSignal[];
      commands?: OutboundCommand[];
      /** Readings dropped from an otherwise good message (e.g. a non-numeric metric), with reasons. */
      partialIssues?: DecodeIssue[];
    }
  | { ok: false; issue: DecodeIssue; signals?: AssetSignal[]; commands?: OutboundCommand[] };

export interface Decoder {
  decode(payload: Uint8Array, context: DecodeContext): DecodeResult;
}
