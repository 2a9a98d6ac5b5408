// The contract every simulated machine kind fulfils: named channels with their
// sensor properties, and a noise-free physics step. Noise, anomalies and
// quantization are applied by the plant, the same way for every kind.

/** One sensor of an asset model. */
export interface ChannelSpec {
  /** Channel name as published, with its unit, e.g. `flow_m3h`. */
  name: string;
  /** Standard deviation of the additive Gaussian measurement noise, in the channel's unit. */
  noiseStd: number;
  /** Sensor resolution as decimals: values are rounded to 10^-decimals. */
  decimals: number;
  /** Nominal full-scale span of the channel; anomaly magnitudes are fractions of it. */
  span: number;
  /** Lowest value the transmitter can report (e.g. 0 for speed and flow). */
  minValue: number;
}

/** One simulated machine: its physics advanced tick by tick. */
export interface AssetModel {
  readonly kind: AssetKind;
  readonly channels: readonly ChannelSpec[];
  /** Channels that bearing wear acts on; these are labelled for a degradation anomaly. */
  readonly wearChannels: readonly string[];
  /** Channels whose decoupling from the others is a correlation break by default (e.g. flow in cavitation). */
  readonly correlationBreakChannels: readonly string[];
  /**
   * Advances the physics to `timestampMs`, `dtMs` after the previous call (0 on the first),
   * and writes the noise-free value of every channel, in `channels` order, into `out`.
   * `extraWear` (≥ 0) is added to the machine's own wear while a degradation is injected.
   */
  step(out: Float64Array, timestampMs: number, dtMs: number, extraWear: number): void; // out: (C)
}

export const assetKinds = ['pump', 'fan'] as const;
export type AssetKind = (typeof assetKinds)[number];
