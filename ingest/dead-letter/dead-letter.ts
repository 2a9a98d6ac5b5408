// A rejected message kept for later inspection: where it came from, why it was
// rejected, and its bytes (base64). Writers resolve once the letter is handed
// to the OS or broker, so the source acknowledges the message only after that.
import type { DecodeIssue } from '../decode/decoder.js';
import type { DeliveryOrigin } from '../source.js';

export interface DeadLetter {
  /** ISO 8601 time the message was rejected. */
  time: string;
  transport: DeliveryOrigin['transport'];
  topic: string;
  partition?: number;
  offset?: string;
  reason: DecodeIssue['reason'] | 'no_topic_match' | 'asset_limit';
  message: string;
  field?: string;
  payloadBase64: string;
}

export interface DeadLetterWriter {
  write(letter: DeadLetter): Promise<void>;
  close(): Promise<void>;
}

export function toDeadLetter(
  origin: DeliveryOrigin,
  issue: { reason: DeadLetter['reason']; message: string; field?: string },
  payload: Uint8Array,
): DeadLetter {
  const letter: DeadLetter = {
    time: new Date(origin.receivedAtMs).toISOString(),
    transport: origin.transport,
    topic: origin.topic,
    reason: issue.reason,
    message: issue.message,
    payloadBase64: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64'),
  };
  if (origin.partition !== undefined) letter.partition = origin.partition;
  if (origin.offset !== undefined) letter.offset = origin.offset;
  if (issue.field !== undefined) letter.field = issue.field;
  return letter;
}
