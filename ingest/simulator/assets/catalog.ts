// Which machine kinds the simulator knows, and how one asset of a kind is
// built from its seed: parameters, operating profile and physics.
import { createRng } from '../../../core/index.js';
import type { AssetKind, AssetModel } from './asset-model.js';
import { createFanModel, deriveFanParameters, fanLayout } from './fan.js';
import { createPumpModel, derivePumpParameters, pumpLayout } from './pump.js';

/** Channel layout of a kind, known without building a model. */
export interface AssetKindLayout {
  channels: readonly string[];
  wearChannels: readonly string[];
  correlationBreakChannels: readonly string[];
}

const layouts = { pump: pumpLayout, fan: fanLayout };

export function describeAssetKind(kind: AssetKind): AssetKindLayout {
  const names = layouts[kind].channels.map((c) => c.name);
  return {
    channels: names,
    wearChannels: [names[4], names[5]],
    correlationBreakChannels: [names[1], names[2]],
  };
}

/** One asset's physics, with parameters and operating profile from streams derived from (seed, assetId). */
export function createAssetModel(
  kind: AssetKind,
  seed: number,
  assetId: string,
  startMs: number,
): AssetModel {
  const parameterRng = createRng(seed, { stream: `parameters:${assetId}`, pairGaussians: true });
  const profileRng = createRng(seed, { stream: `profile:${assetId}`, pairGaussians: true });
  return kind === 'pump'
    ? createPumpModel(derivePumpParameters(parameterRng), profileRng, startMs)
    : createFanModel(deriveFanParameters(parameterRng), profileRng, startMs);
}
