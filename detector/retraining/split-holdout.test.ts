// Holdout split: the newest share of clean rows, cut once in time, as views without copies.
import { describe, expect, it } from 'vitest';
import { isPipelineError } from '../../core/index.js';
import type { SelectedFrames } from './select-training-frames.js';
import { splitNewest } from './split-holdout.js';

const startMs = 1_000_000;
const periodMs = 1_000;

/** Rows from a pattern: 'c' clean (values 10·row + channel), 'x' excluded (NaN). */
function selected(pattern: string, C = 2): SelectedFrames {
  const rows = pattern.length;
  const frames = new Float32Array(rows * C);
  let cleanRows = 0;
  for (let r = 0; r < rows; r++) {
    const isClean = pattern[r] === 'c';
    if (isClean) cleanRows += 1;
    for (let c = 0; c < C; c++) frames[r * C + c] = isClean ? 10 * r + c : Number.NaN;
  }
  return {
    assetId: 'pump-1',
    channels: Array.from({ length: C }, (_, c) => `ch${c}`),
    periodMs,
    startMs,
    frames,
    rows,
    cleanRows,
    excludedRows: {
      missing: rows - cleanRows,
      unknown: 0,
      operator: 0,
      maintenance: 0,
      silence: 0,
      alert: 0,
    },
    excludedPeriods: [],
  };
}

/** Rows of a part, read back from its first column: row index, or 'x' for an excluded row. */
const rowsOf = (frames: Float32Array, C = 2) =>
  Array.from({ length: frames.length / C }, (_, r) =>
    Number.isNaN(frames[r * C]) ? 'x' : frames[r * C]! / 10,
  );

describe('splitNewest', () => {
  it('holds out the newest share of clean rows and starts the holdout at the cut', () => {
    const s = selected('cccccccccc');
    const { training, holdout } = splitNewest(s, 0.3, 1);
    expect(rowsOf(training.frames)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(rowsOf(holdout.frames)).toEqual([7, 8, 9]);
    expect(training.startMs).toBe(startMs);
    expect(holdout.startMs).toBe(startMs + 7 * periodMs);
  });

  it('counts only clean rows; excluded rows after the cut stay in the holdout', () => {
    const { training, holdout } = splitNewest(selected('cxccxcx'), 0.5, 1);
    expect(rowsOf(training.frames)).toEqual([0, 'x', 2]);
    expect(rowsOf(holdout.frames)).toEqual([3, 'x', 5, 'x']);
    expect(holdout.startMs).toBe(startMs + 3 * periodMs);
  });

  it('returns views into the selected frames, not copies', () => {
    const s = selected('cccc');
    const { training, holdout } = splitNewest(s, 0.5, 1);
    expect(training.frames.buffer).toBe(s.frames.buffer);
    expect(holdout.frames.buffer).toBe(s.frames.buffer);
    expect(holdout.frames.byteOffset).toBe(2 * 2 * 4);
    expect(training.frames.length + holdout.frames.length).toBe(s.frames.length);
  });

  it('rounds the share to the nearest number of clean rows', () => {
    expect(rowsOf(splitNewest(selected('cccccccccc'), 0.25, 1).holdout.frames)).toEqual([7, 8, 9]);
    expect(rowsOf(splitNewest(selected('cccccccccc'), 0.24, 1).holdout.frames)).toEqual([8, 9]);
  });

  it('gives an empty holdout, starting at the end of the range, when the share rounds to 0 clean rows', () => {
    const { training, holdout } = splitNewest(selected('cccccccccx'), 0.04, 3);
    expect(holdout.frames.length).toBe(0);
    expect(holdout.startMs).toBe(startMs + 10 * periodMs);
    expect(rowsOf(training.frames)).toHaveLength(10);
  });

  it('gives an empty holdout when there are no clean rows', () => {
    const { training, holdout } = splitNewest(selected('xxx'), 0.5, 1);
    expect(holdout.frames.length).toBe(0);
    expect(training.frames.length).toBe(6);
  });

  it('widens a non-empty holdout to windowSteps clean rows, and to all of them when there are fewer', () => {
    expect(rowsOf(splitNewest(selected('cccccccccc'), 0.1, 4).holdout.frames)).toEqual([6, 7, 8, 9]);
    expect(rowsOf(splitNewest(selected('xccc'), 0.5, 8).holdout.frames)).toEqual([1, 2, 3]);
  });

  it('leaves training without clean rows when the share takes every clean row', () => {
    const { training, holdout } = splitNewest(selected('xxccc'), 1, 1);
    expect(rowsOf(training.frames)).toEqual(['x', 'x']);
    expect(rowsOf(holdout.frames)).toEqual([2, 3, 4]);
  });

  it.each([
    [-0.1, 1, /fraction must be between 0 and 1/],
    [1.5, 1, /fraction must be between 0 and 1/],
    [Number.NaN, 1, /fraction must be between 0 and 1/],
    [0.2, 0, /windowSteps must be a positive integer/],
    [0.2, 2.5, /windowSteps must be a positive integer/],
  ])('rejects fraction %s with windowSteps %s', (fraction, windowSteps, message) => {
    let caught: unknown;
    try {
      splitNewest(selected('cccc'), fraction, windowSteps);
    } catch (err) {
      caught = err;
    }
    expect(isPipelineError(caught, 'DETECTOR_INPUT_INVALID')).toBe(true);
    expect((caught as Error).message).toMatch(message);
  });
});
