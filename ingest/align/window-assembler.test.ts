import { describe, expect, it } from 'vitest';
import type { AlignedFrame, FrameState } from '../../core/index.js';
import { createWindowAssembler } from './window-assembler.js';

const channels = ['a', 'b'];

function frame(k: number, state: FrameState = 'ok', assetId = 'pump-1'): AlignedFrame {
  // value encodes the frame index and the channel so order can be checked
  return {
    assetId,
    channels,
    startMs: k * 1000,
    endMs: (k + 1) * 1000,
    values: Float32Array.of(k, k + 0.5),
    state,
  };
}

function collect(T: number, hop: number) {
  const windows: { startMs: number; endMs: number; values: number[]; state: string; assetId: string }[] = [];
  const assembler = createWindowAssembler({ T, hop }, (w) =>
    windows.push({
      startMs: w.startMs,
      endMs: w.endMs,
      values: [...w.values],
      state: w.state,
      assetId: w.assetId,
    }),
  );
  return { assembler, windows };
}

describe('window assembler', () => {
  it('emits windows every hop frames once T frames are in, ending on grid cells that are multiples of hop, time-major across the ring wrap', () => {
    const { assembler, windows } = collect(3, 2);
    for (let k = 0; k < 8; k++) assembler.push(frame(k));
    // Cells 3, 5 and 7 end windows ((cell + 1) % hop === 0); cell 1 has too few frames.
    expect(windows.map((w) => [w.startMs, w.endMs])).toEqual([
      [1000, 4000],
      [3000, 6000],
      [5000, 8000],
    ]);
    expect(windows[1].values).toEqual([3, 3.5, 4, 4.5, 5, 5.5]);
    expect(windows[2].values).toEqual([5, 5.5, 6, 6.5, 7, 7.5]);
  });

  it('produces the same windows whichever frame a ring starts from (restart, handover)', () => {
    const ends = (first: number) => {
      const { assembler, windows } = collect(4, 3);
      for (let k = first; k < 30; k++) assembler.push(frame(k));
      return windows.map((w) => w.endMs).filter((endMs) => endMs >= 12_000);
    };
    expect(ends(0)).toEqual(ends(5));
    expect(ends(0)).toEqual(ends(7));
    expect(ends(0).length).toBeGreaterThan(0);
  });

  it('marks a window containing a gap frame as gap until the gap frame has left the ring', () => {
    const { assembler, windows } = collect(3, 1);
    const states: FrameState[] = ['ok', 'gap', 'ok', 'ok', 'ok'];
    for (const [k, s] of states.entries()) assembler.push(frame(k, s));
    expect(windows.map((w) => w.state)).toEqual(['gap', 'gap', 'ok']);
  });

  it('gives unknown precedence over gap', () => {
    const { assembler, windows } = collect(2, 1);
    assembler.push(frame(0, 'gap'));
    assembler.push(frame(1, 'unknown'));
    assembler.push(frame(2, 'gap'));
    expect(windows.map((w) => w.state)).toEqual(['unknown', 'unknown']);
  });

  it('restarts the ring when the frame sequence jumps, so no window spans the jump', () => {
    const { assembler, windows } = collect(2, 1);
    assembler.push(frame(0));
    assembler.push(frame(1));
    assembler.push(frame(10));
    assembler.push(frame(11));
    expect(windows.map((w) => w.startMs)).toEqual([0, 10_000]);
  });

  it('keeps assets apart and warms up again after an asset is dropped', () => {
    const { assembler, windows } = collect(2, 1);
    assembler.push(frame(0, 'ok', 'x'));
    assembler.push(frame(0, 'ok', 'y'));
    assembler.push(frame(1, 'ok', 'x'));
    assembler.dropAssets(['x']);
    assembler.push(frame(2, 'ok', 'x'));
    assembler.push(frame(1, 'ok', 'y'));
    expect(windows.map((w) => `${w.assetId}@${w.startMs}`)).toEqual(['x@0', 'y@0']);
  });
});
