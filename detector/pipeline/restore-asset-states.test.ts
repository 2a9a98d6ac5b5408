import { describe, expect, it } from 'vitest';
import { restoreAssetStates } from './restore-asset-states.js';

describe('restoreAssetStates', () => {
  it("merges every asset's stored detector state into one monitor state and keeps each asset's progress", () => {
    const row = (assetId: string, atMs: number) =>
      [
        assetId,
        JSON.stringify({
          progress: { frameAtMs: atMs, windowAtMs: atMs - 1_000 },
          monitor: {
            version: 1,
            alerts: { [assetId]: { phase: 'normal' } },
            ewma: { [assetId]: 0.5 },
            thresholdHistory: { [assetId]: [1, 2] },
            anchors: { [assetId]: { n: 1 } },
          },
        }),
      ] as const;
    const { monitor, progress } = restoreAssetStates([row('pump-1', 10_000), row('pump-2', 20_000)]);
    expect(Object.keys(monitor.alerts)).toEqual(['pump-1', 'pump-2']);
    expect(monitor.ewma).toEqual({ 'pump-1': 0.5, 'pump-2': 0.5 });
    expect(Object.keys(monitor.anchors ?? {})).toEqual(['pump-1', 'pump-2']);
    expect(progress.get('pump-2')).toEqual({ frameAtMs: 20_000, windowAtMs: 19_000 });
  });

  it('starts empty without stored states', () => {
    const { monitor, progress } = restoreAssetStates(new Map());
    expect(monitor).toEqual({ version: 1, alerts: {}, ewma: {}, thresholdHistory: {}, anchors: {} });
    expect(progress.size).toBe(0);
  });
});
