import { describe, expect, it } from 'vitest';
import type { SensorReading } from '../reading.js';
import { alignReadings } from './align-readings.js';

const ingest = {
  align: { periodMs: 1000, fill: 'last', maxHoldMs: 0, latenessMs: 0, idleFlushMs: 10_000 },
  window: { T: 2, hop: 1 },
} as const;

function row(timestampMs: number, a: number, b: number): SensorReading[] {
  return [
    { assetId: 'pump-1', channel: 'a', timestampMs, value: a },
    { assetId: 'pump-1', channel: 'b', timestampMs, value: b },
  ];
}

describe('alignReadings', () => {
  it('puts the readings on the grid in the given channel order, from the first frame', () => {
    const segment = alignReadings(
      [...row(5000, 1, 2), ...row(6000, 3, 4), ...row(7000, 5, 6)],
      ['b', 'a'],
      ingest,
    );
    expect(segment?.startMs).toBe(5000);
    expect(segment?.assetId).toBe('pump-1');
    // The newest cell is not final until a later reading passes it.
    expect([...segment!.frames]).toEqual([2, 1, 4, 3]);
  });

  it('keeps rows the aligner skipped over as gaps, so the later frames stay on the grid', () => {
    // Ten silent seconds with T = 2: the aligner emits two empty frames and skips the rest.
    const segment = alignReadings(
      [...row(0, 1, 1), ...row(11_000, 2, 2), ...row(12_000, 3, 3)],
      ['a', 'b'],
      ingest,
    );
    const frames = [...segment!.frames];
    expect(frames).toHaveLength(12 * 2);
    expect(frames.slice(0, 2)).toEqual([1, 1]);
    expect(frames.slice(2, 22).every(Number.isNaN)).toBe(true);
    expect(frames.slice(22)).toEqual([2, 2]);
  });

  it('gives no segment when no frame is final', () => {
    expect(alignReadings(row(0, 1, 2), ['a', 'b'], ingest)).toBeUndefined();
    expect(alignReadings([], ['a', 'b'], ingest)).toBeUndefined();
  });
});
