// Which threshold an asset is judged against, and the ratio every score and
// alert carries: score / threshold, so 1.0 means "at threshold" on every asset.

import { isAssetGlob, matchesAssetPattern } from '../../core/index.js';
import type { ThresholdOverride } from '../config.js';

export interface ResolvedThreshold {
  value: number | undefined;
  source: 'override' | 'calibrated';
  /** The override pattern that matched, when `source` is `override`. */
  pattern?: string;
}

/**
 * A static override wins over the calibrated (or live dynamic) value. An exact
 * asset id wins over globs; among globs the first in the list wins.
 */
export function resolveThreshold(
  assetId: string,
  calibrated: number | undefined,
  overrides: readonly ThresholdOverride[],
): ResolvedThreshold {
  const exact = overrides.find((o) => !isAssetGlob(o.asset) && o.asset === assetId);
  const match = exact ?? overrides.find((o) => isAssetGlob(o.asset) && matchesAssetPattern(o.asset, assetId));
  if (match) return { value: match.threshold, source: 'override', pattern: match.asset };
  return { value: calibrated, source: 'calibrated' };
}

/**
 * score / threshold, or null when the asset cannot be judged: no threshold
 * yet (dynamic warm-up), a threshold that is not a positive finite number, or
 * a non-finite score. A null ratio reaches the alert lifecycle as "not scored".
 */
export function scoreRatio(score: number, threshold: number | undefined): number | null {
  if (threshold === undefined || !(threshold > 0) || !Number.isFinite(threshold)) return null;
  if (!Number.isFinite(score)) return null;
  return score / threshold;
}
