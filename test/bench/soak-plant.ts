// The plant the service soak simulates: a daily cycle and a fast oscillation per channel with
// small seeded noise, and a planted fault (channel 0 offset by many spreads) on one asset for
// 40 minutes every 6 hours. The parent trains its model on it; the load generator publishes it.

import { createRng } from '../../core/index.js';

const dayMs = 86_400_000;
const faultEveryMs = 6 * 3_600_000;
const faultMs = 40 * 60_000;

export interface SoakPlant {
  readonly channels: readonly string[];
  readonly assetIds: readonly string[];
  /** Uniform in [-0.5, 0.5), seeded: the same run publishes the same messages. */
  noise(): number;
  /** Channel c of asset a at atMs in normal operation. */
  valueAt(atMs: number, a: number, c: number): number;
  /** The planted fault's offset on channel 0 of asset a at atMs (0 outside a fault). */
  faultOf(atMs: number, a: number): number;
}

export function createSoakPlant(options: { assets: number; channels: number; periodMs: number }): SoakPlant {
  const { assets, periodMs } = options;
  const rng = createRng(17);
  const noise = () => rng.next() - 0.5;
  const faultOf = (atMs: number, a: number) =>
    atMs % faultEveryMs < faultMs && Math.floor(atMs / faultEveryMs) % assets === a ? 8 : 0;
  return {
    channels: Array.from({ length: options.channels }, (_, c) => `ch${c}`),
    assetIds: Array.from({ length: assets }, (_, a) => `pump-${a}`),
    noise,
    valueAt: (atMs, a, c) =>
      10 +
      c +
      3 * Math.sin((2 * Math.PI * atMs) / dayMs + c) +
      Math.sin(atMs / (7 * periodMs) + a) +
      0.05 * noise(),
    faultOf,
  };
}
