import { describe, expect, it } from 'vitest';
import type { FrameRecord } from './records.js';
import { storedFrameSegment } from './stored-frame-segment.js';

function storeOf(frames: FrameRecord[]) {
  return {
    queryFrames: (q: { assetId: string; fromMs: number; toMs: number }) =>
      frames.filter((f) => f.assetId === q.assetId && f.atMs >= q.fromMs && f.atMs < q.toMs),
  };
}

const frame = (atMs: number, values: number[], state: FrameRecord['state'] = 'ok'): FrameRecord => ({
  assetId: 'pump-1',
  atMs,
  channels: ['a', 'b'],
  values,
  state,
});

describe('storedFrameSegment', () => {
  it('lays the stored frames on the grid in the model’s channel order, missing and incomplete rows NaN', () => {
    const store = storeOf([
      frame(10_000, [1, 2]),
      frame(11_000, [3, Number.NaN], 'gap'),
      frame(13_000, [5, 6]),
    ]);
    const segment = storedFrameSegment(store, 'pump-1', ['b', 'a'], { fromMs: 0, toMs: 20_000 }, 1000);
    expect(segment?.startMs).toBe(10_000);
    expect(segment?.assetId).toBe('pump-1');
    const rows = [...segment!.frames];
    expect(rows.slice(0, 2)).toEqual([2, 1]);
    expect(rows.slice(2, 6).every(Number.isNaN)).toBe(true);
    expect(rows.slice(6)).toEqual([6, 5]);
  });

  it('reads only the asked range and gives no segment when it holds no frame', () => {
    const store = storeOf([frame(10_000, [1, 2]), frame(11_000, [3, 4])]);
    const segment = storedFrameSegment(store, 'pump-1', ['a', 'b'], { fromMs: 11_000, toMs: 12_000 }, 1000);
    expect([...segment!.frames]).toEqual([3, 4]);
    expect(storedFrameSegment(store, 'pump-1', ['a'], { fromMs: 0, toMs: 10_000 }, 1000)).toBeUndefined();
    expect(storedFrameSegment(store, 'pump-2', ['a'], { fromMs: 0, toMs: 20_000 }, 1000)).toBeUndefined();
  });
});
