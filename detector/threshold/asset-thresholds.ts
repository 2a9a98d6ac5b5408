// The threshold each asset's score is judged against, and the resulting ratio:
// a static override when one matches, else the live dynamic threshold (one
// per asset) when configured, else the calibrated value from the model artifact.
import { recordOf } from '../../core/index.js';
import type { ThresholdConfig, ThresholdOverride } from '../config.js';
import type { Calibration } from './calibrate-threshold.js';
import { DynamicThreshold } from './dynamic-threshold.js';
import { resolveThreshold, scoreRatio } from './resolve-threshold.js';

export interface JudgedScore {
  /** The threshold the score was judged against; undefined during dynamic warm-up. */
  threshold: number | undefined;
  /** score / threshold; null when there is no threshold yet. */
  ratio: number | null;
  source: 'override' | 'calibrated' | 'dynamic';
}

export interface AssetThresholdsOptions {
  threshold: ThresholdConfig;
  overrides: readonly ThresholdOverride[];
  calibration: Calibration;
  /** Dynamic windows per asset to resume from (see `snapshot`). */
  history?: Record<string, number[]>;
}

export interface AssetThresholds {
  /** Judges the asset's newest score; feeds the asset's dynamic window when one is used. */
  judge(assetId: string, score: number): JudgedScore;
  /** The dynamic windows per asset (of `assetIds` only when given), JSON-serialisable, for persistence. */
  snapshot(assetIds?: Iterable<string>): Record<string, number[]>;
  /** Drops the dynamic windows of assets no longer tracked. */
  forget(assetIds: Iterable<string>): void;
  /** Takes these assets' dynamic windows (from another instance's snapshot), replacing what is held. */
  restore(history: Record<string, number[]>): void;
}

export function createAssetThresholds(options: AssetThresholdsOptions): AssetThresholds {
  const { threshold, overrides, calibration } = options;
  const live = new Map<string, DynamicThreshold>();

  function createDynamic(history: number[] | undefined): DynamicThreshold | undefined {
    if (threshold.type !== 'dynamic') return undefined;
    const { type: _type, ...params } = threshold;
    const floor = threshold.useCalibratedFloor ? calibration.value : undefined;
    return new DynamicThreshold(params, floor, history);
  }

  function dynamicFor(assetId: string): DynamicThreshold | undefined {
    let found = live.get(assetId);
    if (found === undefined) {
      found = createDynamic(options.history?.[assetId]);
      if (found !== undefined) live.set(assetId, found);
    }
    return found;
  }

  return {
    judge(assetId, score) {
      const resolved = resolveThreshold(assetId, calibration.value, overrides);
      if (resolved.source === 'override') {
        return { threshold: resolved.value, ratio: scoreRatio(score, resolved.value), source: 'override' };
      }
      const dynamic = dynamicFor(assetId);
      if (dynamic !== undefined) {
        const value = dynamic.update(score);
        return { threshold: value, ratio: scoreRatio(score, value), source: 'dynamic' };
      }
      return {
        threshold: calibration.value,
        ratio: scoreRatio(score, calibration.value),
        source: 'calibrated',
      };
    },
    snapshot: (assetIds) => recordOf(live, assetIds, (dynamic) => dynamic.history()),
    forget(assetIds) {
      for (const id of assetIds) live.delete(id);
    },
    restore(history) {
      for (const [id, values] of Object.entries(history)) {
        const dynamic = createDynamic(values);
        if (dynamic !== undefined) live.set(id, dynamic);
      }
    },
  };
}
