import { describe, expect, it } from 'vitest';
import { checkTimestampRange, isoToEpochMs, numberToEpochMs } from './timestamp.js';

describe('timestamps', () => {
  it('detects the unit by magnitude at the boundaries of auto', () => {
    expect(numberToEpochMs(99_999_999_999, 'auto')).toBe(99_999_999_999_000);
    expect(numberToEpochMs(100_000_000_000, 'auto')).toBe(100_000_000_000);
    expect(numberToEpochMs(99_999_999_999_999, 'auto')).toBe(99_999_999_999_999);
    expect(numberToEpochMs(100_000_000_000_000, 'auto')).toBe(100_000_000_000);
    expect(numberToEpochMs(100_000_000_000_000_000, 'auto')).toBe(100_000_000_000);
    expect(numberToEpochMs(Number.POSITIVE_INFINITY, 'auto')).toBeNaN();
  });

  it('parses ISO 8601 only with a zone', () => {
    expect(isoToEpochMs('2024-11-25T10:20:00Z')).toBe(Date.UTC(2024, 10, 25, 10, 20));
    expect(isoToEpochMs('2024-11-25 10:20:00.123456789-02:00')).toBe(Date.UTC(2024, 10, 25, 12, 20, 0, 123));
    expect(isoToEpochMs('2024-11-25T10:20:00')).toBeNaN();
    expect(isoToEpochMs('2024-13-45T10:20:00Z')).toBeNaN();
    expect(isoToEpochMs('Mon, 25 Nov 2024 10:20:00 GMT')).toBeNaN();
  });

  it('names the limit a time violates', () => {
    const limits = { earliestTimestampMs: Date.UTC(2000, 0, 1), maxFutureSkewMs: 1000 };
    expect(checkTimestampRange(Date.UTC(2020, 0, 1), Date.UTC(2020, 0, 1), limits)).toBeUndefined();
    expect(checkTimestampRange(Date.UTC(1999, 0, 1), Date.UTC(2020, 0, 1), limits)).toContain(
      'before the earliest',
    );
    expect(checkTimestampRange(Date.UTC(2020, 0, 1) + 1001, Date.UTC(2020, 0, 1), limits)).toContain(
      '1000 ms after',
    );
    expect(checkTimestampRange(-1e20, 0, limits)).toContain('-100000000000000000000 ms since the epoch');
  });
});
