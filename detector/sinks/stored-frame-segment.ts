// The frames the local store kept for one asset, as one segment on the period
// grid that a model can be fitted on: rows without a complete ('ok') frame are
// NaN, so no training window spans them.
import type { FrameSegment } from '../../core/index.js';
import type { LocalStore } from './local-store.js';

/** The stored frames of `assetId` in [fromMs, toMs), channels in the given order; undefined if there are none. */
export function storedFrameSegment(
  store: Pick<LocalStore, 'queryFrames'>,
  assetId: string,
  channels: readonly string[],
  range: { fromMs: number; toMs: number },
  periodMs: number,
): FrameSegment | undefined {
  const frames = store.queryFrames({ assetId, fromMs: range.fromMs, toMs: range.toMs });
  if (frames.length === 0) return undefined;
  const startMs = frames[0]!.atMs;
  const N = Math.floor((frames.at(-1)!.atMs - startMs) / periodMs) + 1;
  const C = channels.length;
  const out = new Float32Array(N * C).fill(Number.NaN);
  for (const frame of frames) {
    const row = Math.round((frame.atMs - startMs) / periodMs);
    channels.forEach((channel, c) => {
      const index = frame.channels.indexOf(channel);
      if (index >= 0 && frame.state === 'ok') out[row * C + c] = frame.values[index]!;
    });
  }
  return { frames: out, startMs, assetId };
}
