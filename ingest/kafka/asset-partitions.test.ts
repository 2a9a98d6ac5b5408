import { describe, expect, it } from 'vitest';
import { createAssetPartitions } from './asset-partitions.js';

describe('createAssetPartitions', () => {
  it('hands on the assets of revoked partitions once, and keeps the others', () => {
    const assets = createAssetPartitions();
    assets.note('pump-1', 0);
    assets.note('pump-2', 1);
    assets.note('pump-3', 2);
    assets.note('pump-2', 2); // the asset's key moved (the topic was repartitioned)
    expect(assets.takeRevoked([2, 3]).sort()).toEqual(['pump-2', 'pump-3']);
    expect(assets.takeRevoked([2])).toEqual([]);
    expect(assets.size).toBe(1);
  });

  it('forgets evicted assets, so months of changing ids leave only what is tracked now', () => {
    const assets = createAssetPartitions();
    for (let day = 0; day < 90; day++) {
      const today = Array.from({ length: 50 }, (_, n) => `asset-${day}-${n}`);
      for (const [n, id] of today.entries()) assets.note(id, n % 8);
      if (day > 0) assets.forget(Array.from({ length: 50 }, (_, n) => `asset-${day - 1}-${n}`));
    }
    expect(assets.size).toBe(50);
    expect(assets.takeRevoked([0, 1, 2, 3, 4, 5, 6, 7])).toHaveLength(50);
  });
});
