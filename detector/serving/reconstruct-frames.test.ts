// The asset view's reconstruction: windows on the aligner's grid only, in sensor units, never
// across a gap or a missing value — also when the stored frames begin before a gap.
import { describe, expect, it } from 'vitest';
import { createAutoencoder, createReconstructor, type Normalizer } from '../../model/index.js';
import type { FrameRecord } from '../sinks/index.js';
import { reconstructFrames } from './reconstruct-frames.js';

const channels = ['flow', 'speed'];
const T = 4;
const hop = 2;
const periodMs = 1_000;
const normalizer: Normalizer = { center: [40, 1500], scale: [2, 30] };
const model = createAutoencoder({ C: 2, T, H: 3 }, { seed: 5 });
const served = { channels, T, reconstructor: createReconstructor(model, { normalizer }), normalizer };

/** A frame at `atS` seconds (the end of its cell), with a signal that changes every second. */
function frame(atS: number, flow = 40 + Math.sin(atS)): FrameRecord {
  return {
    assetId: 'pump-1',
    atMs: atS * 1_000,
    channels,
    values: [flow, 1500 + 10 * Math.cos(atS)],
    state: 'ok',
  };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('reconstructFrames', () => {
  it('reconstructs the newest hop steps of every complete window on the grid, also after a gap at the start', () => {
    // One frame, 9 s of nothing, then 10–30 s: the first two frames are 10 s apart.
    const frames = [frame(0), ...range(10, 30).map((s) => frame(s))];
    const { points } = reconstructFrames(frames, served, { hop, periodMs });
    // Windows end where (atS + 1) % 2 === 0 (odd seconds); the first complete one is 10–13 s and
    // shows 12–13 s; the last is 26–29 s (a window ending at 31 s has no frames yet).
    const reconstructed = points.filter((p) => p.reconstruction !== null).map((p) => p.atMs / 1_000);
    expect(reconstructed).toEqual(range(12, 29));
  });

  it('gives the reconstruction in sensor units, from the window ending at the row', () => {
    const frames = range(0, 11).map((s) => frame(s));
    const { points } = reconstructFrames(frames, served, { hop, periodMs });
    // The window of 8–11 s; its last two steps are shown at 10 and 11 s.
    const window = new Float32Array(T * 2);
    for (let t = 0; t < T; t++) window.set(frames[8 + t]!.values, t * 2);
    const own = createReconstructor(model, { normalizer }).reconstruct(window).reconstruction;
    for (const t of [2, 3]) {
      const shown = points[8 + t]!.reconstruction!;
      expect(shown[0]).toBeCloseTo(own[t * 2]! * 2 + 40, 4);
      expect(shown[1]).toBeCloseTo(own[t * 2 + 1]! * 30 + 1500, 3);
    }
    // The model is untrained: the reconstruction is not the signal itself.
    expect(Math.abs(points[11]!.reconstruction![1]! - points[11]!.values[1]!)).toBeGreaterThan(1e-3);
  });

  it('skips windows with a missing value, and shows frames alone without a model', () => {
    const frames = range(0, 11).map((s) => (s === 9 ? frame(s, Number.NaN) : frame(s)));
    const { points } = reconstructFrames(frames, served, { hop, periodMs });
    expect(points[9]!.values[0]).toBeNull();
    // Windows 0–3, 2–5 and 4–7 are complete; 6–9 and 8–11 hold the missing value.
    const reconstructed = points.filter((p) => p.reconstruction !== null).map((p) => p.atMs / 1_000);
    expect(reconstructed).toEqual([2, 3, 4, 5, 6, 7]);
    const alone = reconstructFrames(frames, undefined, { hop, periodMs });
    expect(alone.channels).toEqual(channels);
    expect(alone.points.every((p) => p.reconstruction === null)).toBe(true);
  });
});
