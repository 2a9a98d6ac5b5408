// What the live pipeline reports lands on /metrics: windows scored and skipped, latency, alert
// events and asset states, with the registry, the monitor and the live hub wired as the service
// wires them.
import { describe, expect, it } from 'vitest';
import { createSilentLogger } from '../core/index.js';
import { createServiceMetrics } from '../dashboards/api/index.js';
import { assetStatusSchema, createAssetMonitor, detectorConfigSchema } from '../detector/index.js';
import { createPipeline } from '../detector/pipeline/index.js';
import type { DeliveryOrigin } from '../ingest/index.js';
import { createAutoencoder, createReconstructor } from '../model/index.js';
import { createLiveHub } from './live-hub.js';

/** The value of one sample line of the exposition text, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('service metrics after windows went through the pipeline', () => {
  it('exposes scored and skipped windows, latency, alert events and asset states on /metrics', async () => {
    const channels = ['speed', 'flow', 'temp'];
    const T = 4;
    const C = channels.length;
    const config = detectorConfigSchema.parse({
      scoring: { aggregate: 'mse_window', hopSteps: 1 },
      alerts: { minAboveMs: 1_000, clearBelowMs: 1_000, cooldownMs: 0 },
      machineOff: [{ asset: '*', channel: 'speed', below: 100 }],
    });
    // A tiny threshold, so the untrained model's reconstruction error opens an alert.
    const calibration = {
      type: 'quantile',
      value: 1e-9,
      n: 10,
      stats: { q: 0.99, min: 0, max: 0, mean: 0 },
    } as const;
    const monitor = createAssetMonitor({ config, calibrationFor: () => calibration });
    const metrics = createServiceMetrics({ assetStatuses: assetStatusSchema.options, defaultMetrics: false });
    metrics.trackAssetStatuses(() => monitor.assets());
    const reconstructor = createReconstructor(createAutoencoder({ C, T, H: 2 }, { seed: 3 }), {
      normalizer: { center: [1000, 40, 60], scale: [100, 5, 5] },
    });
    const committed: unknown[] = [];
    const pipeline = createPipeline<DeliveryOrigin>({
      modelFor: () => ({ name: 'pumps', version: 'v1', channels, T, reconstructor }),
      monitor,
      store: { commit: (batch) => committed.push(batch), waitForSpace: async () => {} },
      metrics,
      live: createLiveHub(),
      logger: createSilentLogger(),
    });
    const windowOf = (assetId: string, endMs: number, speed: number, state: 'ok' | 'gap' = 'ok') => {
      const values = new Float32Array(T * C);
      for (let t = 0; t < T; t++) values.set([speed, 40 + t, 60], t * C);
      return { assetId, channels, startMs: endMs - T * 1_000, endMs, periodMs: 1_000, values, state };
    };
    for (let i = 1; i <= 4; i++) pipeline.onWindow(windowOf('pump-1', i * 1_000, 1_500));
    pipeline.onWindow(windowOf('pump-2', 1_000, 1_500, 'gap'));
    pipeline.onWindow(windowOf('pump-3', 1_000, 50));
    await pipeline.commitDelivery({
      readings: [],
      origin: { transport: 'mqtt', topic: 'plants/pump-1/telemetry', receivedAtMs: 5_000 },
    });

    const text = await metrics.registry.metrics();
    expect(sample(text, 'detector_windows_scored_total')).toBe(4);
    expect(sample(text, 'detector_windows_skipped_total{reason="gap"}')).toBe(1);
    expect(sample(text, 'detector_windows_skipped_total{reason="off"}')).toBe(1);
    expect(sample(text, 'detector_score_latency_seconds_count')).toBe(4);
    expect(text).toMatch(/^detector_alert_events_total\{event="opened",severity="\w+"\} 1$/m);
    expect(sample(text, 'detector_assets{status="alerting"}')).toBe(1);
    expect(sample(text, 'detector_assets{status="gap"}')).toBe(1);
    expect(sample(text, 'detector_assets{status="off"}')).toBe(1);
    expect(committed).toHaveLength(1);
  });
});
