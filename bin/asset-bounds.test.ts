// Memory of a service that runs for months while untrusted asset ids come and go:
// ingest (aligner, window rings), the pipeline's progress and the detector's
// state, wired as the service wires them, with random new asset ids every hour
// and a retrain (a new calibration) every week. What is kept must stay bounded
// by ingest.maxAssets; steady assets keep being scored throughout.
import { describe, expect, it } from 'vitest';
import { createSilentLogger, ManualClock } from '../core/index.js';
import { createServiceMetrics } from '../dashboards/api/index.js';
import {
  assetStatusSchema,
  type Calibration,
  createAssetMonitor,
  detectorConfigSchema,
} from '../detector/index.js';
import { createPipeline } from '../detector/pipeline/index.js';
import {
  createIngest,
  type DeliveryOrigin,
  ingestConfigSchema,
  type SensorReading,
} from '../ingest/index.js';
import { createAutoencoder, createReconstructor } from '../model/index.js';
import { createLiveHub } from './live-hub.js';

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;
const periodMs = 60_000;
const channels = ['flow', 'temp'];
const T = 4;

/** Park–Miller, so the "random" ids are the same on every run. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 16807) % 2147483647;
    return (s - 1) / 2147483646;
  };
}

describe('bounded cardinality over simulated months', () => {
  it('keeps ingest, pipeline and detector state bounded by ingest.maxAssets with random new asset ids', async () => {
    const maxAssets = 100;
    const steady = ['pump-1', 'pump-2', 'pump-3'];
    const config = ingestConfigSchema.parse({
      mqtt: { url: 'mqtt://127.0.0.1:1', clientId: 'gw-bounds', topics: ['p/{asset}/{channel}'] },
      decoder: { type: 'json' },
      assets: [{ match: '*', channels, model: 'pumps' }],
      align: { periodMs, fill: 'last', maxHoldMs: 0, latenessMs: 0, idleFlushMs: 10 * periodMs },
      window: { T, hop: 1 },
      maxAssets,
      evictIdleAssetsAfterMs: dayMs,
    });
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const metrics = createServiceMetrics({ assetStatuses: assetStatusSchema.options, defaultMetrics: false });
    let calibration: Calibration = {
      type: 'quantile',
      value: 1,
      n: 10,
      stats: { q: 0.99, min: 0, max: 1, mean: 0.5 },
    };
    const monitor = createAssetMonitor({
      config: detectorConfigSchema.parse({
        scoring: { ewmaAlpha: 0.3 },
        threshold: { type: 'dynamic', windowSize: 20, minScores: 5 },
      }),
      calibrationFor: () => calibration,
      modelOf: () => 'pumps',
    });
    const reconstructor = createReconstructor(
      createAutoencoder({ C: channels.length, T, H: 2 }, { seed: 3 }),
      {
        normalizer: { center: [0, 0], scale: [1, 1] },
      },
    );
    const scoredSteady = new Map<string, number>();
    const committedStates: number[] = [];
    const pipeline = createPipeline<DeliveryOrigin>({
      modelFor: () => ({ name: 'pumps', version: 'v1', channels, T, reconstructor }),
      monitor,
      store: {
        commit: (_batch, p) => committedStates.push(p.assetState?.size ?? 0),
        waitForSpace: () => new Promise<void>(() => {}),
      },
      metrics,
      live: createLiveHub(),
      logger: createSilentLogger(),
      onJudged: (window, result) => {
        if (result.scored !== undefined && steady.includes(window.assetId))
          scoredSteady.set(window.assetId, window.atMs);
      },
    });
    const ingest = createIngest(config, {
      logger: createSilentLogger(),
      clock,
      telemetry: metrics,
      onFrame: (frame) => pipeline.onFrame(frame),
      onWindow: (window) => pipeline.onWindow(window),
      onAssetsEvicted: (ids) => pipeline.forgetAssets(ids),
    });

    const random = seeded(11);
    const randomIds = new Set<string>();
    let evicted = 0;
    let peakTracked = 0;
    let peakDetector = 0;
    const days = 45;
    for (let hour = 0; hour < days * 24; hour++) {
      const readings: (SensorReading & { receivedAtMs: number })[] = [];
      for (let minute = 0; minute < 60; minute++) {
        const atMs = clock.nowMs() + minute * periodMs;
        for (const assetId of steady)
          for (const [c, channel] of channels.entries())
            readings.push({
              assetId,
              channel,
              timestampMs: atMs,
              value: 10 + c + random(),
              receivedAtMs: atMs,
            });
      }
      // Twenty new ids an hour, each sending a few minutes of data and never again.
      for (let k = 0; k < 20; k++) {
        const assetId = `x-${Math.floor(random() * 1e12).toString(36)}`;
        randomIds.add(assetId);
        for (let minute = 0; minute < 6; minute++)
          for (const channel of channels)
            readings.push({
              assetId,
              channel,
              timestampMs: clock.nowMs() + minute * periodMs,
              value: random(),
              receivedAtMs: clock.nowMs() + minute * periodMs,
            });
      }
      readings.sort((a, b) => a.timestampMs - b.timestampMs);
      ingest.replay(readings);
      await pipeline.commitDelivery({
        readings: [],
        origin: { transport: 'mqtt', topic: 't', receivedAtMs: clock.nowMs() },
      });
      clock.advance(hourMs);
      evicted += ingest.evictIdle(clock.nowMs()).length;
      if (hour % (7 * 24) === 0) calibration = { ...calibration, value: 1 + hour / 1e4 }; // a weekly retrain
      peakTracked = Math.max(peakTracked, ingest.trackedAssets);
      if (hour % 6 !== 0) continue;
      const snapshot = monitor.snapshot();
      peakDetector = Math.max(
        peakDetector,
        monitor.assets().length,
        Object.keys(snapshot.ewma).length,
        Object.keys(snapshot.thresholdHistory).length,
      );
    }

    expect(randomIds.size).toBeGreaterThan(20_000);
    expect(peakTracked).toBeLessThanOrEqual(maxAssets);
    expect(peakDetector).toBeLessThanOrEqual(maxAssets);
    expect(Math.max(...committedStates)).toBeLessThanOrEqual(maxAssets);
    expect(evicted).toBeGreaterThan(1_000);
    // The steady assets were never refused nor evicted: scored up to the last hour.
    for (const id of steady) expect(scoredSteady.get(id)).toBeGreaterThan(clock.nowMs() - 2 * hourMs);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/ingest_readings_dropped_total\{reason="asset_limit"\} [1-9]/);
    // No series names an asset id.
    expect(text).not.toMatch(/x-[0-9a-z]+/);
  });
});
