// Anomaly injectors: each turns the measured value of one channel into what a
// faulty sensor or machine would report, only inside its interval. They draw
// from their own stream, so the normal data around an anomaly is unchanged.

import type { Rng } from '../../core/index.js';
import type { AnomalyKind } from './anomaly.js';
import type { ChannelSpec } from './assets/asset-model.js';

/** An anomaly bound to an asset's channel, with its end and magnitude resolved. */
export interface ResolvedAnomaly {
  asset: string;
  kind: AnomalyKind;
  /** Index into the asset's channels; -1 for a degradation. */
  channelIndex: number;
  startMs: number;
  endMs: number;
  magnitude: number;
}

export interface Injector {
  readonly anomaly: ResolvedAnomaly;
  /**
   * The value to report instead of `measured` at `timestampMs`, or undefined for no reading.
   * `lastReported` is the channel's previous reported value (undefined if none yet).
   */
  apply(measured: number, timestampMs: number, lastReported: number | undefined): number | undefined;
  /** Wear added to the machine at `timestampMs` (non-zero only for degradation). */
  extraWearAt(timestampMs: number): number;
}

/** Probability that a tick inside a spike interval carries a spike (never two in a row; the first always). */
const spikeProbability = 0.15;
/** Correlation break: AR(1) wander of the decoupled channel, per tick, as a fraction of the span. */
const breakWalkStep = 0.002;
const breakWalkPole = 0.995;

export function createInjector(
  anomaly: ResolvedAnomaly,
  channel: ChannelSpec | undefined,
  rng: Rng,
): Injector {
  const span = channel?.span ?? 1;
  const size = anomaly.magnitude * span;
  const progress = (t: number): number => (t - anomaly.startMs) / (anomaly.endMs - anomaly.startMs);
  const noWear = (): number => 0;
  switch (anomaly.kind) {
    case 'spike': {
      let wasSpike = false;
      let isFirst = true;
      return {
        anomaly,
        apply(measured) {
          const isSpike = isFirst || (!wasSpike && rng.next() < spikeProbability);
          isFirst = false;
          wasSpike = isSpike;
          if (!isSpike) return measured;
          const sign = rng.next() < 0.5 ? -1 : 1;
          return measured + sign * size * rng.uniform(0.8, 1.2);
        },
        extraWearAt: noWear,
      };
    }
    case 'drift':
      return { anomaly, apply: (measured, t) => measured + size * progress(t), extraWearAt: noWear };
    case 'stuck': {
      let frozen: number | undefined;
      return {
        anomaly,
        apply(measured, _t, lastReported) {
          frozen ??= lastReported ?? measured;
          return frozen;
        },
        extraWearAt: noWear,
      };
    }
    case 'noise-burst':
      return { anomaly, apply: (measured) => measured + size * rng.gaussian(), extraWearAt: noWear };
    case 'correlation-break': {
      // The channel drops by `magnitude` and then wanders on its own, no longer following
      // speed or load: flow collapsing while the drive holds speed, as in cavitation.
      let level: number | undefined;
      let wander = 0;
      const noiseStd = channel?.noiseStd ?? 0;
      return {
        anomaly,
        apply(measured) {
          level ??= measured * (1 - anomaly.magnitude);
          wander = breakWalkPole * wander + breakWalkStep * span * rng.gaussian();
          return level + wander + noiseStd * rng.gaussian();
        },
        extraWearAt: noWear,
      };
    }
    case 'degradation':
      return { anomaly, apply: (measured) => measured, extraWearAt: (t) => anomaly.magnitude * progress(t) };
    case 'dropout':
      return { anomaly, apply: () => undefined, extraWearAt: noWear };
  }
}
