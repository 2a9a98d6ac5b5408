// The asset monitor composes scoring, thresholds, lifecycle and suppression per asset.
import { describe, expect, it } from 'vitest';
import { createAssetMonitor, type MonitoredWindow } from './asset-monitor.js';
import { detectorConfigSchema } from './config.js';
import type { Calibration } from './threshold/calibrate-threshold.js';

const channels = ['speed', 'flow', 'temp'];
const T = 4;
const C = channels.length;
const calibration: Calibration = {
  type: 'quantile',
  value: 0.1,
  n: 100,
  stats: { q: 0.99, min: 0, max: 0.1, mean: 0.05 },
};
const config = detectorConfigSchema.parse({
  scoring: { aggregate: 'mse_window', hopSteps: 1 },
  alerts: { minAboveMs: 2_000, clearBelowMs: 2_000, cooldownMs: 0 },
  machineOff: [{ asset: '*', channel: 'speed', below: 100 }],
});

function windowAt(atMs: number, speeds: number[] = [1500, 1500, 1500, 1500]): MonitoredWindow {
  const values = new Float32Array(T * C);
  for (let t = 0; t < T; t++) values.set([speeds[t]!, 40, 60], t * C);
  return { assetId: 'pump-1', atMs, state: 'ok', channels, T, values };
}

/** Residuals with `size` on one channel at every step. */
function residuals(channel: number, size: number): Float32Array {
  const r = new Float32Array(T * C).fill(0.01);
  for (let t = 0; t < T; t++) r[t * C + channel] = size;
  return r;
}

describe('asset monitor', () => {
  it('opens an alert after minAboveMs above threshold and names the deviating channel first', () => {
    const monitor = createAssetMonitor({ config, calibrationFor: () => calibration });
    const events = [0, 1_000, 2_000, 3_000].flatMap(
      (t) => monitor.observe(windowAt(t), residuals(1, 1)).events,
    );
    expect(events.map((e) => e.type)).toEqual(['opened']);
    expect(events[0]!.topChannels[0]!.channel).toBe('flow');
    expect(monitor.assets()[0]).toMatchObject({ assetId: 'pump-1', status: 'alerting' });
  });

  it('does not score a window holding any frame of a stopped machine', () => {
    const monitor = createAssetMonitor({ config, calibrationFor: () => calibration });
    expect(monitor.verdict(windowAt(0, [0, 50, 1500, 1500]))).toEqual({ shouldScore: false, reason: 'off' });
    expect(monitor.verdict(windowAt(0))).toEqual({ shouldScore: true });
    expect(monitor.verdict({ ...windowAt(0), state: 'gap' })).toEqual({ shouldScore: false, reason: 'gap' });
  });

  it('suppresses alerts on a silenced asset', () => {
    const monitor = createAssetMonitor({ config, calibrationFor: () => calibration });
    monitor.addSilence({ assetPattern: 'pump-*', untilMs: 10_000, reason: 'test', createdBy: 'test' });
    const events = [0, 1_000, 2_000, 3_000].flatMap(
      (t) => monitor.observe(windowAt(t), residuals(1, 1)).events,
    );
    expect(events).toEqual([]);
    expect(monitor.assets()[0]!.status).toBe('silenced');
  });

  it('continues after a snapshot and restore exactly as without the restart', () => {
    const straight = createAssetMonitor({ config, calibrationFor: () => calibration });
    const first = createAssetMonitor({ config, calibrationFor: () => calibration });
    const sizes = [1, 1, 1, 1, 0.01, 0.01, 0.01, 0.01, 1, 1];
    const all = sizes.flatMap((size, i) => straight.observe(windowAt(i * 1_000), residuals(2, size)).events);
    const before = sizes
      .slice(0, 5)
      .flatMap((size, i) => first.observe(windowAt(i * 1_000), residuals(2, size)).events);
    const restored = createAssetMonitor({
      config,
      calibrationFor: () => calibration,
      restore: JSON.parse(JSON.stringify(first.snapshot())),
    });
    const after = sizes
      .slice(5)
      .flatMap((size, i) => restored.observe(windowAt((i + 5) * 1_000), residuals(2, size)).events);
    expect([...before, ...after]).toEqual(all);
    expect(all.map((e) => e.type)).toContain('resolved');
  });

  it('snapshots only the assets asked for, and restoring the parts gives the whole', () => {
    const ewmaConfig = detectorConfigSchema.parse({
      ...config,
      scoring: { aggregate: 'mse_window', hopSteps: 1, ewmaAlpha: 0.5 },
    });
    const monitor = createAssetMonitor({ config: ewmaConfig, calibrationFor: () => calibration });
    for (const [i, assetId] of ['pump-1', 'pump-2', 'pump-3'].entries()) {
      for (let t = 0; t < 4; t++)
        monitor.observe({ ...windowAt(t * 1_000), assetId }, residuals(1, 0.2 * (i + 1)));
    }
    const whole = monitor.snapshot();
    expect(Object.keys(whole.ewma).sort()).toEqual(['pump-1', 'pump-2', 'pump-3']);
    const part = monitor.snapshot(['pump-2']);
    expect(Object.keys(part.ewma)).toEqual(['pump-2']);
    expect(Object.keys(part.alerts)).toEqual(['pump-2']);
    expect(part.ewma['pump-2']).toBe(whole.ewma['pump-2']);
    expect(part.alerts['pump-2']).toEqual(whole.alerts['pump-2']);
    const rest = monitor.snapshot(['pump-1', 'pump-3', 'pump-9']);
    expect({ ...rest.ewma, ...part.ewma }).toEqual(whole.ewma);
    expect({ ...rest.alerts, ...part.alerts }).toEqual(whole.alerts);
  });
  it('takes over an asset from another instance mid-alert: same alert id, one resolution, same EWMA', () => {
    const ewmaConfig = detectorConfigSchema.parse({
      ...config,
      scoring: { aggregate: 'mse_window', hopSteps: 1, ewmaAlpha: 0.5 },
      threshold: { type: 'dynamic', windowSize: 20, minScores: 2 },
    });
    const sizes = [1, 1, 1, 1, 0.01, 0.01, 0.01, 0.01, 0.01];
    const straight = createAssetMonitor({ config: ewmaConfig, calibrationFor: () => calibration });
    const all = sizes.map((size, i) => straight.observe(windowAt(i * 1_000), residuals(2, size)));
    const losing = createAssetMonitor({ config: ewmaConfig, calibrationFor: () => calibration });
    const before = sizes
      .slice(0, 5)
      .map((size, i) => losing.observe(windowAt(i * 1_000), residuals(2, size)));
    // The gaining instance already scores other assets (its scorer exists) and held stale state
    // of this one from an earlier ownership.
    const gaining = createAssetMonitor({ config: ewmaConfig, calibrationFor: () => calibration });
    gaining.observe({ ...windowAt(0), assetId: 'pump-9' }, residuals(1, 0.02));
    gaining.observe(windowAt(0), residuals(1, 0.5));
    gaining.restoreAssets(['pump-1'], JSON.parse(JSON.stringify(losing.snapshot(['pump-1']))));
    const after = sizes
      .slice(5)
      .map((size, i) => gaining.observe(windowAt((i + 5) * 1_000), residuals(2, size)));
    const events = [...before, ...after].flatMap((r) => r.events);
    expect(events).toEqual(all.flatMap((r) => r.events));
    expect(events.filter((e) => e.type === 'opened')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'resolved').map((e) => e.id)).toEqual([
      events.find((e) => e.type === 'opened')!.id,
    ]);
    expect(after.map((r) => r.scored?.score)).toEqual(all.slice(5).map((r) => r.scored?.score));
    expect(after.map((r) => r.scored?.threshold)).toEqual(all.slice(5).map((r) => r.scored?.threshold));
    expect(gaining.snapshot(['pump-9']).ewma['pump-9']).toBeDefined(); // others keep theirs
  });
});
