// Labelled rows replayed through the aligner and window assembler: one frame per row on the grid,
// a window ending at every row once T rows are in, and a long silence read as a gap.
import { describe, expect, it } from 'vitest';
import { replayLabeledSeries } from './replay-labeled-series.js';

const t0 = Date.UTC(2024, 0, 1, 8, 0, 0);

/** Two channels at 1 s: row i holds (i, 100 + i); `holeAfter` rows later sit 20 s further on. */
function rows(n: number, holeAfter = Number.POSITIVE_INFINITY) {
  const timestampsMs = Float64Array.from(
    { length: n },
    (_, i) => t0 + i * 1000 + (i > holeAfter ? 20_000 : 0),
  );
  const values = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) values.set([i, 100 + i], i * 2);
  return { channels: ['a', 'b'], timestampsMs, values };
}

const options = { assetId: 'plant/1.csv', periodMs: 1000, windowSteps: 4, hopSteps: 1 };

describe('replaying labelled rows through the ingest path', () => {
  it('gives one complete frame per row and a window ending at every row from the fourth on', () => {
    const { frames, windows } = replayLabeledSeries(rows(20), options);
    expect(frames.map((f) => f.state)).toEqual(new Array(20).fill('ok'));
    expect(frames.map((f) => f.endMs)).toEqual(Array.from({ length: 20 }, (_, i) => t0 + (i + 1) * 1000));
    expect(windows.length).toBe(17);
    expect(windows.every((w) => w.state === 'ok')).toBe(true);
    expect([...windows.at(-1)!.values]).toEqual([16, 116, 17, 117, 18, 118, 19, 119]);
  });

  it('reads a silence longer than five periods as a gap, so no complete window spans it', () => {
    const { frames, windows } = replayLabeledSeries(rows(30, 9), options);
    const holeStartMs = t0 + 10_000;
    const holeEndMs = t0 + 30_000;
    const inHole = frames.filter((f) => f.endMs > holeStartMs + 5000 && f.endMs <= holeEndMs);
    expect(inHole.length).toBeGreaterThan(0);
    expect(inHole.every((f) => f.state !== 'ok')).toBe(true);
    const spanning = windows.filter(
      (w) => w.state === 'ok' && w.endMs - 4 * 1000 < holeEndMs && w.endMs > holeStartMs + 5000,
    );
    expect(spanning).toEqual([]);
  });
});
