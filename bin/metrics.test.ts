import { describe, expect, it } from 'vitest';
import { createSilentLogger } from '../core/index.js';
import { type AssetStatus, createAssetMonitor, detectorConfigSchema } from '../detector/index.js';
import { createPipeline } from '../detector/pipeline/index.js';
import type { DeliveryOrigin } from '../ingest/index.js';
import { createAutoencoder, createReconstructor } from '../model/index.js';
import { createLiveHub } from './live-hub.js';
import { createServiceMetrics } from './metrics.js';

/** The value of one sample line of the exposition text, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('service metrics', () => {
  it('counts assets per status at scrape time, with 0 for statuses no asset is in', async () => {
    const metrics = createServiceMetrics({ defaultMetrics: false });
    let assets: { status: AssetStatus }[] = [{ status: 'normal' }, { status: 'normal' }, { status: 'off' }];
    metrics.trackAssetStatuses(() => assets);
    let text = await metrics.registry.metrics();
    expect(sample(text, 'detector_assets{status="normal"}')).toBe(2);
    expect(sample(text, 'detector_assets{status="off"}')).toBe(1);
    expect(sample(text, 'detector_assets{status="alerting"}')).toBe(0);
    assets = [{ status: 'alerting' }];
    text = await metrics.registry.metrics();
    expect(sample(text, 'detector_assets{status="normal"}')).toBe(0);
    expect(sample(text, 'detector_assets{status="alerting"}')).toBe(1);
  });

  it('keeps one model info series per model however many versions were retrained and served', async () => {
    const metrics = createServiceMetrics({ defaultMetrics: false });
    let version = 'v0';
    metrics.trackModelVersions(() => [{ model: 'pumps', version }]);
    for (let i = 1; i <= 50; i++) {
      version = `v${i}`;
      await metrics.registry.metrics();
    }
    const text = await metrics.registry.metrics();
    expect(text.split('\n').filter((l) => l.startsWith('detector_model_info{'))).toEqual([
      'detector_model_info{model="pumps",version="v50"} 1',
    ]);
  });

  it('reads the age of the oldest undelivered row of every sink at scrape time', async () => {
    const metrics = createServiceMetrics({ defaultMetrics: false });
    let sinks = [
      { sink: 'webhook:ops', oldestUndeliveredAgeMs: 7_200_000 as number | null },
      { sink: 'influxdb:influxdb', oldestUndeliveredAgeMs: null },
    ];
    metrics.trackUndelivered(() => sinks);
    let text = await metrics.registry.metrics();
    expect(sample(text, 'sink_oldest_undelivered_age_seconds{sink="webhook:ops"}')).toBe(7200);
    expect(sample(text, 'sink_oldest_undelivered_age_seconds{sink="influxdb:influxdb"}')).toBe(0);
    sinks = [{ sink: 'webhook:ops', oldestUndeliveredAgeMs: null }];
    text = await metrics.registry.metrics();
    expect(sample(text, 'sink_oldest_undelivered_age_seconds{sink="webhook:ops"}')).toBe(0);
  });

  it('folds the reading counters of ingest into one series per outcome and reason', async () => {
    const metrics = createServiceMetrics({ defaultMetrics: false });
    metrics.count('ingest_readings_total', { transport: 'mqtt' }, 10);
    metrics.count('ingest_readings_rejected_total', { transport: 'mqtt', reason: 'invalid_value' }, 2);
    metrics.count('ingest_readings_dropped_total', { reason: 'late' }, 3);
    metrics.count('ingest_readings_dropped_total', { reason: 'late' });
    metrics.count('detector_windows_scored_total');
    const text = await metrics.registry.metrics();
    expect(sample(text, 'ingest_readings_outcome_total{outcome="decoded",reason="none"}')).toBe(10);
    expect(sample(text, 'ingest_readings_outcome_total{outcome="rejected",reason="invalid_value"}')).toBe(2);
    expect(sample(text, 'ingest_readings_outcome_total{outcome="dropped",reason="late"}')).toBe(4);
    expect(sample(text, 'ingest_readings_dropped_total{reason="late"}')).toBe(4);
    expect(text).not.toContain('outcome_total{outcome="decoded",reason="late"}');
  });

  it('exposes sink depth and retries, the model info and the scoring latency histogram', async () => {
    const metrics = createServiceMetrics({ defaultMetrics: false });
    metrics.gauge('sink_queue_depth_rows', 7, { sink: 'webhook:ops' });
    metrics.count('sink_retries_total', { sink: 'webhook:ops' }, 2);
    metrics.trackModelVersions(() => [{ model: 'pumps', version: 'v1' }]);
    metrics.scoringLatency.observe(0.0003);
    metrics.scoringLatency.observe(0.002);
    const text = await metrics.registry.metrics();
    expect(sample(text, 'sink_queue_depth_rows{sink="webhook:ops"}')).toBe(7);
    expect(sample(text, 'sink_retries_total{sink="webhook:ops"}')).toBe(2);
    expect(sample(text, 'detector_model_info{model="pumps",version="v1"}')).toBe(1);
    expect(sample(text, 'detector_score_latency_seconds_count')).toBe(2);
    expect(sample(text, 'detector_score_latency_seconds_bucket{le="0.0005"}')).toBe(1);
  });
});

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
    const metrics = createServiceMetrics({ defaultMetrics: false });
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
