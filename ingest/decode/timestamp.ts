// Reading times: numbers in s/ms/us/ns or ISO 8601 strings → whole
// milliseconds since the epoch, plus the plausibility window every decoder
// applies. Sub-millisecond digits are truncated (the aligner's grid is coarser).
import type { TimestampUnit } from './config.js';

/** Plausible reading times for one message: [earliestMs, receivedAtMs + maxFutureSkewMs]. */
export interface TimestampLimits {
  earliestTimestampMs: number;
  maxFutureSkewMs: number;
}

/** Magnitude bounds of `auto`: a number below 1e11 is seconds (1e11 s is the year 5138), below 1e14 ms, below 1e17 us, else ns. */
const autoSecondsBelow = 1e11;
const autoMillisBelow = 1e14;
const autoMicrosBelow = 1e17;

// ISO 8601 date-time with an explicit offset; a time without a zone would be
// read as local time by Date.parse, which differs between machines.
const isoPattern = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}:?\d{2})$/;

/** Converts a number in `unit` to whole epoch milliseconds; NaN when the number is not finite. */
export function numberToEpochMs(value: number, unit: Exclude<TimestampUnit, 'iso'>): number {
  if (!Number.isFinite(value)) return Number.NaN;
  let ms: number;
  switch (unit) {
    case 's':
      ms = value * 1000;
      break;
    case 'ms':
      ms = value;
      break;
    case 'us':
      ms = value / 1000;
      break;
    case 'ns':
      ms = value / 1e6;
      break;
    default: {
      const magnitude = Math.abs(value);
      if (magnitude < autoSecondsBelow) ms = value * 1000;
      else if (magnitude < autoMillisBelow) ms = value;
      else if (magnitude < autoMicrosBelow) ms = value / 1000;
      else ms = value / 1e6;
    }
  }
  return Math.floor(ms);
}

/** Parses an ISO 8601 date-time with a zone to whole epoch milliseconds; NaN when it is not one. */
export function isoToEpochMs(text: string): number {
  if (text.length > 40 || !isoPattern.test(text)) return Number.NaN;
  return Date.parse(text);
}

/**
 * Why `ms` is not a plausible reading time for a message received at
 * `receivedAtMs`, or undefined when it is.
 */
export function checkTimestampRange(
  ms: number,
  receivedAtMs: number,
  limits: TimestampLimits,
): string | undefined {
  if (!Number.isFinite(ms)) return 'is not a finite time';
  if (ms < limits.earliestTimestampMs) {
    return `is ${formatTime(ms)}, before the earliest accepted time ${formatTime(limits.earliestTimestampMs)}`;
  }
  if (ms > receivedAtMs + limits.maxFutureSkewMs) {
    return `is ${formatTime(ms)}, more than ${limits.maxFutureSkewMs} ms after the message was received`;
  }
  return undefined;
}

function formatTime(ms: number): string {
  // Far-future times are outside what Date can represent.
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${ms} ms since the epoch`;
}
