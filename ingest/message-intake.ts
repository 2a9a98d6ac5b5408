// What every source does with one message before the pipeline sees it:
// decode, count by outcome, log rejections rate-limited, and turn the result
// into a delivery (good readings) and/or a dead letter (a rejected message, or
// a message some of whose readings were rejected: the copy names the fields).
import type { RateLimitedLog, Telemetry } from '../core/index.js';
import { type DeadLetter, toDeadLetter } from './dead-letter/dead-letter.js';
import type { AssetSignal, DecodeIssue, Decoder, OutboundCommand } from './decode/decoder.js';
import type { DeliveryOrigin, SourceDelivery } from './source.js';

export interface IntakeResult {
  /** Present when the message carried readings or signals for the pipeline. */
  delivery?: SourceDelivery;
  /** Present when the message was rejected. */
  deadLetter?: DeadLetter;
  commands: readonly OutboundCommand[];
}

export interface MessageIntake {
  take(
    payload: Uint8Array,
    origin: DeliveryOrigin,
    topicFields?: Readonly<Record<string, string>>,
  ): IntakeResult;
  /** Counts and logs a message rejected before decoding (e.g. its topic fits no template). */
  reject(
    payload: Uint8Array,
    origin: DeliveryOrigin,
    issue: Pick<DeadLetter, 'reason' | 'message'>,
  ): IntakeResult;
}

const noIssues: readonly DecodeIssue[] = [];
const noSignals: readonly AssetSignal[] = [];
const noCommands: readonly OutboundCommand[] = [];

export function createMessageIntake(deps: {
  decoder: Decoder;
  telemetry: Telemetry;
  rateLimitedLog: RateLimitedLog;
}): MessageIntake {
  const { decoder, telemetry, rateLimitedLog } = deps;
  const reject: MessageIntake['reject'] = (payload, origin, issue) => {
    telemetry.count('ingest_messages_rejected_total', { transport: origin.transport, reason: issue.reason });
    rateLimitedLog.warn(
      `rejected:${origin.transport}:${issue.reason}`,
      {
        transport: origin.transport,
        topic: origin.topic,
        partition: origin.partition,
        offset: origin.offset,
        reason: issue.reason,
        detail: issue.message,
      },
      'Rejected a message; the stream goes on.',
    );
    return { deadLetter: toDeadLetter(origin, issue, payload), commands: noCommands };
  };

  return {
    reject,
    take(payload, origin, topicFields) {
      telemetry.count('ingest_messages_total', { transport: origin.transport });
      const result = decoder.decode(payload, {
        topic: origin.topic,
        key: origin.key,
        topicFields,
        receivedAtMs: origin.receivedAtMs,
      });
      const commands = result.commands ?? noCommands;
      const signals = result.signals ?? noSignals;
      if (!result.ok) {
        const rejected = reject(payload, origin, result.issue);
        const withSignals: IntakeResult = { ...rejected, commands };
        if (signals.length > 0) {
          withSignals.delivery = { readings: [], signals, partialIssues: noIssues, origin, payload };
        }
        return withSignals;
      }
      const partialIssues = result.partialIssues ?? noIssues;
      for (const issue of partialIssues) {
        telemetry.count('ingest_readings_rejected_total', {
          transport: origin.transport,
          reason: issue.reason,
        });
      }
      telemetry.count('ingest_readings_total', { transport: origin.transport }, result.readings.length);
      const delivery: SourceDelivery = { readings: result.readings, signals, partialIssues, origin, payload };
      const first = partialIssues[0];
      if (first === undefined) return { delivery, commands };
      rateLimitedLog.warn(
        `rejected-readings:${origin.transport}:${first.reason}`,
        {
          transport: origin.transport,
          topic: origin.topic,
          partition: origin.partition,
          offset: origin.offset,
          reason: first.reason,
          field: first.field,
          detail: first.message,
          rejectedReadings: partialIssues.length,
        },
        'Rejected readings of a message; its other readings go on.',
      );
      const more =
        partialIssues.length > 1 ? ` (and ${partialIssues.length - 1} more rejected readings)` : '';
      const issue = {
        ...first,
        message: `${first.message}${more}; the other readings of the message were kept`,
      };
      return { delivery, deadLetter: toDeadLetter(origin, issue, payload), commands };
    },
  };
}
