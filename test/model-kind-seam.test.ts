// A second model kind (the test-only mean/σ baseline) goes through the same paths as the GRU
// autoencoder: the retrainer trains a first model with it, the registry stores it, the served
// models build its reconstructor from the manifest's kind, the live pipeline scores windows with
// it, and a retrain of its model is evaluated and promoted by the same policy.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema } from '../bin/config.js';
import { createLiveHub } from '../bin/live-hub.js';
import { modelKindsFor } from '../bin/model-kinds.js';
import { retrainerSettingsOf } from '../bin/retrainer-settings.js';
import { createSilentLogger, ManualClock, type ModelKind, PipelineError } from '../core/index.js';
import { createServiceMetrics } from '../dashboards/api/index.js';
import { createAssetMonitor, createServedModels, matchesAssetPattern } from '../detector/index.js';
import { createPipeline } from '../detector/pipeline/index.js';
import { createRetrainer, runRetrainJob } from '../detector/retraining/index.js';
import type { LocalStore, ModelEventRecord, RecordBatch } from '../detector/sinks/index.js';
import type { DeliveryOrigin } from '../ingest/index.js';
import { createModelRegistry, type ModelRegistry } from '../model/node/index.js';
import {
  createKeepAllStore,
  plantFrame,
  plantFrames,
  retrainConfigInput,
  retrainPlant,
} from './fixtures/retrain-plant.js';
import { createMeanSigmaKind, meanSigmaKindName } from './helpers/mean-sigma-kind.js';

const { channels, periodMs, T, hop, startMs } = retrainPlant;
const C = channels.length;
const rowsPerAsset = 3_000;
const config = configSchema.parse(retrainConfigInput());

describe('a second model kind through the service paths', () => {
  let dir: string;
  let store: LocalStore;
  let registry: ModelRegistry;
  const clock = new ManualClock(Date.UTC(2026, 1, 1));
  const logger = createSilentLogger();

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gruwatch-kind-'));
    registry = createModelRegistry(join(dir, 'models'), () => clock.nowMs());
    store = createKeepAllStore(join(dir, 'gruwatch.db'), clock);
    store.commit({ scores: [], alerts: [], frames: plantFrames('pump-1', 0, rowsPerAsset) });
  });

  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The service's wiring of served models and retrainer, with `kinds` in place of the configured ones. */
  function wire(kinds: readonly ModelKind[]) {
    const events: ModelEventRecord[] = [];
    const failures: unknown[] = [];
    const models = createServedModels(config, {
      registry,
      kinds,
      logger,
      onLoadFailed: (_name, _version, err) => failures.push(err),
    });
    const retrainer = createRetrainer({
      settings: retrainerSettingsOf(config),
      models,
      registry,
      storePath: join(dir, 'gruwatch.db'),
      clock,
      logger,
      metrics: createServiceMetrics({ assetStatuses: [], defaultMetrics: false }),
      labels: () => [],
      silences: () => [],
      recordEvent: (event) => events.push(event),
      refreshModels: async () => void (await models.refresh()),
      onStatus: () => {},
      runJob: (job) =>
        runRetrainJob(job, {
          nowMs: () => clock.nowMs(),
          matches: matchesAssetPattern,
          kinds,
          loadModel: (name, version) => registry.load(name, version),
          gruwatchVersion: '0.0.0-test',
        }),
    });
    return { models, retrainer, events, failures };
  }

  /** Windows of pump-1 through the live pipeline; one window per hop, a fault planted from `faultFrom` on. */
  async function scoreLive(
    models: ReturnType<typeof createServedModels>,
    faultFrom: number,
    windows: number,
  ) {
    const monitor = createAssetMonitor({
      config: config.detector,
      calibrationFor: (assetId) => {
        const served = models.slotOf(assetId)?.served;
        if (served === undefined) throw new PipelineError('DETECTOR_INPUT_INVALID', 'no model');
        return served.calibration;
      },
    });
    const committed: RecordBatch[] = [];
    const pipeline = createPipeline<DeliveryOrigin>({
      modelFor: (assetId) => models.slotOf(assetId)?.served,
      monitor,
      store: { commit: (batch) => committed.push(batch), waitForSpace: () => new Promise<void>(() => {}) },
      metrics: createServiceMetrics({ assetStatuses: [], defaultMetrics: false }),
      live: createLiveHub(),
      logger,
      clock,
    });
    for (let w = 0; w < windows; w++) {
      const end = rowsPerAsset + T + w * hop;
      const values = new Float32Array(T * C);
      for (let t = 0; t < T; t++) {
        const row = plantFrame(end - T + t, 0);
        // The pressure sensor sticks far above its range.
        if (w >= faultFrom) row[2] = 3;
        values.set(row, t * C);
      }
      const endMs = startMs + end * periodMs;
      pipeline.onWindow({
        assetId: 'pump-1',
        channels,
        startMs: endMs - T * periodMs,
        endMs,
        periodMs,
        values,
        state: 'ok',
      });
    }
    await pipeline.commitDelivery({
      readings: [],
      origin: { transport: 'mqtt', topic: 't', receivedAtMs: 0 },
    });
    return {
      scores: committed.flatMap((b) => b.scores),
      opened: committed.flatMap((b) => b.alerts).filter((a) => a.type === 'opened'),
    };
  }

  it('trains a first model, serves it live, retrains and promotes it, all of its own kind', async () => {
    const kinds = [createMeanSigmaKind(), ...modelKindsFor(config.model)];
    const { models, retrainer, events, failures } = wire(kinds);

    const first = await retrainer.retrainNow('pumps');
    expect(first?.outcome, first?.reason).toBe('promoted');
    const stored = await registry.load('pumps');
    expect(stored.manifest.kind).toBe(meanSigmaKindName);
    expect(stored.manifest.dims.H).toBeUndefined();
    const served = models.slotOf('pump-1')?.served;
    expect(served?.version).toBe(first?.candidateVersion);
    expect(served?.description).toBe('mean/σ baseline C=3 T=16');
    expect(failures).toEqual([]);

    const live = await scoreLive(models, 20, 40);
    expect(live.scores).toHaveLength(40);
    expect(new Set(live.scores.map((s) => s.modelVersion))).toEqual(new Set([served?.version]));
    // One score per window, in order: the first 20 windows are normal, the rest carry the fault.
    const normal = live.scores.slice(0, 20);
    const faulty = live.scores.slice(20);
    expect(Math.max(...normal.map((s) => s.ratio))).toBeLessThan(1);
    expect(Math.min(...faulty.map((s) => s.ratio))).toBeGreaterThan(1);
    expect(live.opened.length).toBeGreaterThanOrEqual(1);

    // A retrain keeps the model's kind, is judged against the current model and swapped in.
    const second = await retrainer.retrainNow('pumps');
    expect(second?.outcome, second?.reason).toBe('promoted');
    expect(second?.reason).toMatch(/false-alarm rate .* vs .* for the current model/);
    expect((await registry.load('pumps')).manifest.kind).toBe(meanSigmaKindName);
    expect(models.slotOf('pump-1')?.served?.version).toBe(second?.candidateVersion);
    expect(second?.candidateVersion).not.toBe(first?.candidateVersion);
    expect(events.map((e) => e.event)).toEqual([
      'retrain_started',
      'candidate_accepted',
      'retrain_started',
      'candidate_accepted',
    ]);
  });

  it('a process that does not know the kind refuses to serve its model and says which kind', async () => {
    const trainer = wire([createMeanSigmaKind()]);
    expect((await trainer.retrainer.retrainNow('pumps'))?.outcome).toBe('promoted');
    const { models, failures } = wire(modelKindsFor(config.model));
    await models.refresh();
    expect(models.slotOf('pump-1')?.served).toBeUndefined();
    expect(failures).toHaveLength(1);
    expect((failures[0] as PipelineError).code).toBe('MODEL_ARTIFACT_INCOMPATIBLE');
    expect((failures[0] as Error).message).toMatch(/model kind "mean-sigma-baseline"/);
  });
});
