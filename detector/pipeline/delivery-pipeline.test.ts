import { describe, expect, it } from 'vitest';
import { createRootLogger, ManualClock, MemoryTelemetry, PipelineError } from '../../core/index.js';
import { createAutoencoder, createReconstructor, type Reconstructor } from '../../model/index.js';
import {
  type ChannelSilenceTracker,
  createAssetMonitor,
  createChannelSilenceTracker,
  detectorConfigSchema,
} from '../index.js';
import type { RecordBatch } from '../sinks/index.js';
import { type ActiveModel, createPipeline } from './delivery-pipeline.js';

const channels = ['speed', 'flow', 'temp'];
const T = 4;
const C = channels.length;
const calibration = {
  type: 'quantile',
  value: 1,
  n: 10,
  stats: { q: 0.99, min: 0, max: 0, mean: 0 },
} as const;

function setup(options: {
  channelSilence?: ChannelSilenceTracker;
  machineOff?: { asset: string; channel: string; below: number }[];
  model?: ActiveModel;
}) {
  const config = detectorConfigSchema.parse({
    scoring: { aggregate: 'mse_window', hopSteps: 1 },
    machineOff: options.machineOff ?? [],
  });
  const monitor = createAssetMonitor({ config, calibrationFor: () => calibration });
  const metrics = Object.assign(new MemoryTelemetry(), { scoringLatency: { observe: () => {} } });
  const published: { type: string; data: unknown }[] = [];
  const live = { publish: (event: { type: string; data: unknown }) => void published.push(event) };
  const committed: RecordBatch[] = [];
  const warnings: unknown[] = [];
  const logger = createRootLogger(
    { level: 'warn' },
    { write: (line: string) => void warnings.push(JSON.parse(line)) },
  );
  const reconstructor = createReconstructor(createAutoencoder({ C, T, H: 2 }, { seed: 3 }), {
    normalizer: { center: [1000, 40, 60], scale: [100, 5, 5] },
  });
  const model = options.model ?? { name: 'pumps', version: 'v1', channels, T, reconstructor };
  const pipeline = createPipeline({
    modelFor: () => model,
    monitor,
    store: { commit: (batch) => committed.push(batch), waitForSpace: () => new Promise<void>(() => {}) },
    metrics,
    live,
    logger,
    clock: new ManualClock(0),
    ...(options.channelSilence ? { channelSilence: options.channelSilence } : {}),
  });
  const windowOf = (assetId: string, endMs: number) => {
    const values = new Float32Array(T * C);
    for (let t = 0; t < T; t++) values.set([1_500, 40 + t, 60], t * C);
    return {
      assetId,
      channels,
      startMs: endMs - T * 1_000,
      endMs,
      periodMs: 1_000,
      values,
      state: 'ok' as const,
    };
  };
  const commit = () =>
    pipeline.commitDelivery({
      readings: [],
      origin: { receivedAtMs: 0 },
    });
  return { pipeline, metrics, committed, published, warnings, windowOf, commit, reconstructor };
}

describe('pipeline: a window that cannot be judged', () => {
  it('is skipped, counted and published when the reconstructor throws; the other windows and the commit go on', async () => {
    const real = setup({});
    const failing: Reconstructor = {
      ...real.reconstructor,
      reconstruct(values) {
        if (values[1] === 41)
          throw new PipelineError('DETECTOR_INPUT_INVALID', 'window holds a non-finite value');
        return real.reconstructor.reconstruct(values);
      },
    };
    const s = setup({ model: { name: 'pumps', version: 'v1', channels, T, reconstructor: failing } });
    s.pipeline.onWindow(s.windowOf('pump-1', 1_000));
    const poisoned = s.windowOf('pump-1', 2_000);
    poisoned.values[1] = 41;
    expect(() => s.pipeline.onWindow(poisoned)).not.toThrow();
    s.pipeline.onWindow(s.windowOf('pump-1', 3_000));
    await expect(s.commit()).resolves.toBeUndefined();
    expect(s.committed).toHaveLength(1);
    expect(s.committed[0].scores.map((x) => x.atMs)).toEqual([0, 2_000]);
    expect(s.metrics.get('detector_window_failures_total', { code: 'DETECTOR_INPUT_INVALID' })).toBe(1);
    expect(s.metrics.get('detector_windows_skipped_total', { reason: 'failed' })).toBe(1);
    expect(s.published).toContainEqual({
      type: 'status',
      data: expect.objectContaining({
        assetId: 'pump-1',
        atMs: 1_000,
        reason: 'failed',
        code: 'DETECTOR_INPUT_INVALID',
      }),
    });
    expect(s.warnings).toEqual([
      expect.objectContaining({ assetId: 'pump-1', code: 'DETECTOR_INPUT_INVALID' }),
    ]);
  });

  it('contains a machine-off rule naming a channel the asset lacks, logging it once per interval', async () => {
    const s = setup({ machineOff: [{ asset: '*', channel: 'rpm', below: 100 }] });
    for (let i = 1; i <= 5; i++) s.pipeline.onWindow(s.windowOf('pump-1', i * 1_000));
    await s.commit();
    expect(s.metrics.get('detector_window_failures_total', { code: 'DETECTOR_INPUT_INVALID' })).toBe(5);
    expect(s.warnings).toHaveLength(1);
    expect(s.committed).toHaveLength(1);
  });

  it('contains a model trained for other channels than the window holds', async () => {
    const s = setup({
      model: {
        name: 'pumps',
        version: 'v1',
        channels: ['speed', 'flow'],
        T,
        reconstructor: createReconstructor(createAutoencoder({ C: 2, T, H: 2 }, { seed: 3 }), {
          normalizer: { center: [1000, 40], scale: [100, 5] },
        }),
      },
    });
    s.pipeline.onWindow(s.windowOf('pump-1', 1_000));
    await s.commit();
    expect(s.committed).toHaveLength(1);
    expect(s.metrics.get('detector_windows_skipped_total', { reason: 'failed' })).toBe(1);
  });
});

describe('pipeline: a channel that stops reporting', () => {
  it('gives the asset one data_quality event when it goes silent and one when it comes back', async () => {
    const s = setup({ channelSilence: createChannelSilenceTracker({ silentAfterMs: 3_000 }) });
    const frameAt = (atMs: number, temp: number) => ({
      assetId: 'pump-1',
      startMs: atMs,
      endMs: atMs + 1_000,
      channels,
      values: new Float32Array([1_500, 40, temp]),
      state: Number.isNaN(temp) ? ('gap' as const) : ('ok' as const),
    });
    for (let t = 0; t < 3; t++) s.pipeline.onFrame(frameAt(t * 1_000, 60));
    for (let t = 3; t < 10; t++) s.pipeline.onFrame(frameAt(t * 1_000, Number.NaN));
    s.pipeline.onFrame(frameAt(10_000, 61));
    await s.commit();
    const quality = s.committed[0].alerts.filter((a) => a.type === 'data_quality');
    expect(quality.map((a) => [a.reason, a.topChannels, a.atMs, a.openedAtMs])).toEqual([
      ['channel_silent', ['temp'], 5_000, 2_000],
      ['channel_restored', ['temp'], 10_000, 2_000],
    ]);
    expect(s.metrics.get('detector_data_quality_events_total', { kind: 'channel_silent' })).toBe(1);
    expect(s.published.filter((m) => m.type === 'alert')).toHaveLength(2);
  });

  it('forgets the channel-silence state of assets it forgets, so the tracker stays bounded', async () => {
    const silence = createChannelSilenceTracker({ silentAfterMs: 3_000 });
    const s = setup({ channelSilence: silence });
    for (let t = 0; t < 10; t++)
      s.pipeline.onFrame({
        assetId: 'pump-1',
        startMs: t * 1_000,
        endMs: (t + 1) * 1_000,
        channels,
        values: new Float32Array([1_500, 40, t < 3 ? 60 : Number.NaN]),
        state: t < 3 ? ('ok' as const) : ('gap' as const),
      });
    await s.commit();
    expect(silence.silent().map((x) => x.assetId)).toEqual(['pump-1']);
    s.pipeline.forgetAssets(['pump-1']);
    expect(silence.silent()).toEqual([]);
  });
});

describe('pipeline: an asset forgotten for being idle', () => {
  it('resolves its open alert as data_stale in the next commit, so no alert stays open for an asset nobody tracks', async () => {
    const s = setup({});
    for (let endMs = 5_000; endMs <= 90_000; endMs += 1_000) s.pipeline.onWindow(s.windowOf('pump-1', endMs));
    await s.commit();
    const opened = s.committed.flatMap((b) => b.alerts).filter((a) => a.type === 'opened');
    expect(opened.map((a) => a.assetId)).toEqual(['pump-1']);

    s.pipeline.evictAssets(['pump-1']);
    await s.commit();
    const resolved = s.committed.at(-1)!.alerts;
    expect(resolved).toMatchObject([
      { id: opened[0]!.id, assetId: 'pump-1', type: 'resolved', reason: 'data_stale', atMs: 89_000 },
    ]);
    expect(s.published.filter((e) => e.type === 'alert').at(-1)?.data).toMatchObject({ type: 'resolved' });
    // Forgotten after that commit: the asset comes back fresh, with no alert.
    s.pipeline.onWindow(s.windowOf('pump-1', 200_000));
    await s.commit();
    expect(s.committed.at(-1)!.alerts).toEqual([]);
  });

  it('resolves nothing for an asset without an open alert', async () => {
    const s = setup({});
    s.pipeline.onWindow(s.windowOf('pump-2', 5_000));
    await s.commit();
    s.pipeline.evictAssets(['pump-2']);
    await s.commit();
    expect(s.committed.flatMap((b) => b.alerts)).toEqual([]);
  });
});
