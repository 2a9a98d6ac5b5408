// The asset view's signals with the model's reconstruction: the stored frames, and for every
// window the live service scored (T frames ending on every hop-th cell of the aligner's grid) the
// model's reconstruction of its newest hop steps, in sensor units.

import type { WindowReconstructor } from '../../core/index.js';
import type { FrameRecord } from '../sinks/index.js';

export interface ReconstructingModel {
  channels: readonly string[];
  T: number;
  reconstructor: WindowReconstructor;
  /** The model's per-channel scaling: sensor value = normalized · scale + center. */
  normalizer: { readonly center: readonly number[]; readonly scale: readonly number[] };
}

export interface FramePoint {
  atMs: number;
  /** In `channels` order; null where the frame had no value. */
  values: (number | null)[];
  reconstruction: (number | null)[] | null;
}

/**
 * `frames` oldest first. The grid (period and hop) is the aligner's, never a spacing read off the
 * frames: the first two may straddle a gap. Windows with a gap or a missing value are not
 * reconstructed, as the live service does not score them.
 */
export function reconstructFrames(
  frames: readonly FrameRecord[],
  model: ReconstructingModel | undefined,
  grid: { hop: number; periodMs: number },
): { channels: readonly string[]; points: FramePoint[] } {
  const channels = model?.channels ?? frames[0]?.channels ?? [];
  const points: FramePoint[] = frames.map((f) => ({
    atMs: f.atMs,
    values: channels.map((c) => {
      const v = f.values[f.channels.indexOf(c)];
      return v === undefined || !Number.isFinite(v) ? null : v;
    }),
    reconstruction: null,
  }));
  if (model === undefined || frames.length === 0) return { channels, points };
  const { T, reconstructor } = model;
  const { center, scale } = model.normalizer;
  const { hop, periodMs } = grid;
  const C = channels.length;
  const window = new Float32Array(T * C);
  for (let i = T - 1; i < points.length; i++) {
    if ((Math.round(points[i]!.atMs / periodMs) + 1) % hop !== 0) continue;
    if (points[i]!.atMs - points[i - T + 1]!.atMs !== (T - 1) * periodMs) continue; // not contiguous
    const rows = points.slice(i - T + 1, i + 1);
    if (rows.some((r) => r.values.some((v) => v === null))) continue;
    for (const [t, r] of rows.entries()) window.set(r.values as number[], t * C);
    const reconstruction = reconstructor.reconstruct(window).reconstruction;
    for (let t = Math.max(0, T - hop); t < T; t++) {
      rows[t]!.reconstruction = channels.map((_, c) => reconstruction[t * C + c]! * scale[c]! + center[c]!);
    }
  }
  return { channels, points };
}
