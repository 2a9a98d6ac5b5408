// The Prometheus registry behind the Telemetry contract: series read at scrape time, the folded
// reading outcomes, the histogram. What the pipeline reports into it: bin/pipeline-metrics.test.ts.
import { describe, expect, it } from 'vitest';
import { createServiceMetrics } from './service-metrics.js';

const assetStatuses = ['normal', 'alerting', 'off'] as const;

/** The value of one sample line of the exposition text, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('service metrics', () => {
  it('counts assets per status at scrape time, with 0 for statuses no asset is in', async () => {
    const metrics = createServiceMetrics({ assetStatuses, defaultMetrics: false });
    let assets: { status: (typeof assetStatuses)[number] }[] = [
      { status: 'normal' },
      { status: 'normal' },
      { status: 'off' },
    ];
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
    const metrics = createServiceMetrics({ assetStatuses, defaultMetrics: false });
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
    const metrics = createServiceMetrics({ assetStatuses, defaultMetrics: false });
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
    const metrics = createServiceMetrics({ assetStatuses, defaultMetrics: false });
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
    const metrics = createServiceMetrics({ assetStatuses, defaultMetrics: false });
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
