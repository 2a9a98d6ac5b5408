// Building DecodeResult values: the small functions every decoder shares so
// that issues read alike across formats ("<field> <what is wrong>").
import type { DecodeContext, DecodeIssue, DecodeRejectReason, DecodeResult, Decoder } from './decoder.js';

/** Longest asset id or channel name accepted; longer ones are payload garbage, not names. */
export const maxNameLength = 256;

export function issue(reason: DecodeRejectReason, message: string, field?: string): DecodeIssue {
  return field === undefined || field === '' ? { reason, message } : { reason, message, field };
}

export function reject(reason: DecodeRejectReason, message: string, field?: string): DecodeResult {
  return { ok: false, issue: issue(reason, message, field) };
}

/** Rejects a message none of whose readings was usable, naming the first problem and how many there were. */
export function rejectAll(issues: DecodeIssue[]): DecodeResult {
  const first = issues[0];
  if (first === undefined) return reject('missing_field', 'payload contains no readings');
  if (issues.length === 1) return { ok: false, issue: first };
  const message = `${first.message} (and ${issues.length - 1} more problems; no reading in the message was usable)`;
  return { ok: false, issue: { ...first, message } };
}

export function checkPayloadSize(payload: Uint8Array, maxPayloadBytes: number): DecodeResult | undefined {
  if (payload.byteLength === 0) return reject('payload_empty', 'payload is empty');
  if (payload.byteLength > maxPayloadBytes) {
    return reject(
      'payload_too_large',
      `payload has ${payload.byteLength} bytes, more than maxPayloadBytes (${maxPayloadBytes})`,
    );
  }
  return undefined;
}

/** A short description of a JSON value's type for issue messages. */
export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'object':
      return 'an object';
    case 'string':
      return 'a string';
    case 'number':
      return `the number ${value}`;
    case 'boolean':
      return `the boolean ${value}`;
    case 'undefined':
      return 'missing';
    default:
      return typeof value;
  }
}

/** The path of `sub` inside element `index` of `prefix` (index -1: not in an array), e.g. "readings[3].value". */
export function fieldAt(prefix: string, index: number, sub: string): string {
  const base = index >= 0 ? `${prefix}[${index}]` : prefix;
  if (sub === '') return base;
  return base === '' ? sub : `${base}.${sub}`;
}

/**
 * A decoder around `decodeUnsafe` that never throws into the transport (issue 4 item 6): whatever
 * escapes the decoder's own checks becomes a rejection with `reason`.
 */
export function neverThrowing(
  reason: DecodeRejectReason,
  decodeUnsafe: (payload: Uint8Array, context: DecodeContext) => DecodeResult,
): Decoder {
  return {
    decode(payload, context) {
      try {
        return decodeUnsafe(payload, context);
      } catch (err) {
        return reject(reason, `payload could not be decoded: ${String((err as Error)?.message ?? err)}`);
      }
    },
  };
}
