// The state of every asset at the last commit, as the pipeline stored it one
// row per asset: the detector's state merged into one monitor state, and how
// far each asset's frames and windows got (so replayed outputs are skipped).
import type { MonitorState } from '../asset-monitor.js';
import type { AssetProgress, PersistedAssetState } from './delivery-pipeline.js';

export function restoreAssetStates(rows: Iterable<readonly [assetId: string, json: string]>): {
  monitor: MonitorState;
  progress: Map<string, AssetProgress>;
} {
  const monitor: MonitorState = { version: 1, alerts: {}, ewma: {}, thresholdHistory: {}, anchors: {} };
  const progress = new Map<string, AssetProgress>();
  for (const [assetId, text] of rows) {
    const state = JSON.parse(text) as PersistedAssetState;
    progress.set(assetId, state.progress);
    Object.assign(monitor.alerts, state.monitor.alerts);
    Object.assign(monitor.ewma, state.monitor.ewma);
    Object.assign(monitor.thresholdHistory, state.monitor.thresholdHistory);
    Object.assign(monitor.anchors ?? {}, state.monitor.anchors);
  }
  return { monitor, progress };
}
