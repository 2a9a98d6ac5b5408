// Which channels, in the model's order, each asset has: the asset groups of
// the config (a glob on the asset id → a channel list), resolved once per
// asset and cached.
import { matchesAssetPattern } from '../../core/index.js';

export interface AssetGroup {
  /** Glob on the asset id: `*` matches any run of characters, `?` one character. */
  match: string;
  channels: readonly string[];
}

export interface AssetChannels {
  readonly channels: readonly string[];
  /** channel name → column index in the model's order. */
  readonly indexOf: ReadonlyMap<string, number>;
}

export interface AssetChannelResolver {
  /** The channel layout of the first group whose pattern matches, or undefined if none does. */
  resolve(assetId: string): AssetChannels | undefined;
  /** Drops what is cached for an asset that is no longer tracked. */
  forget?(assetId: string): void;
}

export function createAssetChannelResolver(groups: readonly AssetGroup[]): AssetChannelResolver {
  const compiled = groups.map((group) => {
    const channels = Object.freeze([...group.channels]);
    const layout: AssetChannels = { channels, indexOf: new Map(channels.map((name, i) => [name, i])) };
    return { match: group.match, layout };
  });
  // Only matches are cached, and forgotten with their asset, so the cache holds tracked assets only.
  const cache = new Map<string, AssetChannels>();
  return {
    resolve(assetId) {
      const cached = cache.get(assetId);
      if (cached !== undefined) return cached;
      const found = compiled.find((c) => matchesAssetPattern(c.match, assetId));
      if (found === undefined) return undefined;
      cache.set(assetId, found.layout);
      return found.layout;
    },
    forget(assetId) {
      cache.delete(assetId);
    },
  };
}
