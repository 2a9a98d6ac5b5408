// The retrainer's decisions on real parts: a local store with a plant's frames,
// the model registry on disk, and the retraining job (here on this thread).
// The candidates are really trained; only the corrupt one is damaged on purpose.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Config, configSchema } from '../../bin/config.js';
import { modelKindsFor, retrainJobDepsFor } from '../../bin/model-kinds.js';
import { retrainerSettingsOf } from '../../bin/retrainer-settings.js';
import { createSilentLogger, ManualClock } from '../../core/index.js';
import { createServiceMetrics, type ServiceMetrics } from '../../dashboards/api/index.js';
import { createAutoencoder, encodeArtifact } from '../../model/index.js';
import { createModelRegistry, type ModelRegistry } from '../../model/node/index.js';
import {
  createKeepAllStore,
  plantFrame,
  plantFrames,
  retrainConfigInput,
  retrainPlant,
} from '../../test/fixtures/retrain-plant.js';
import { createAssetMonitor, matchesAssetPattern } from '../index.js';
import { createServedModels, type ServedModels } from '../serving/served-models.js';
import type { LocalStore, ModelEventRecord } from '../sinks/index.js';
import { type RetrainJobInput, runRetrainJob } from './index.js';
import { createRetrainer, type Retrainer, type RetrainerDeps } from './retrainer.js';

const { channels, periodMs, T, hop, startMs } = retrainPlant;
const rowsPerAsset = 3_000;

const makeConfig = (overrides: { model?: object; retraining?: object } = {}): Config =>
  configSchema.parse(retrainConfigInput(overrides));

describe('retrainer', () => {
  let dir: string;
  let store: LocalStore;
  let registry: ModelRegistry;
  const clock = new ManualClock(Date.UTC(2026, 1, 1));
  let events: ModelEventRecord[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gruwatch-retrainer-'));
    registry = createModelRegistry(join(dir, 'models'), () => clock.nowMs());
    store = createKeepAllStore(join(dir, 'gruwatch.db'), clock);
    for (const [a, assetId] of ['pump-1', 'pump-2'].entries()) {
      store.commit({ scores: [], alerts: [], frames: plantFrames(assetId, a, rowsPerAsset) });
    }
    events = [];
  });

  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function setUp(
    config: Config,
    damage?: (input: RetrainJobInput, result: Awaited<ReturnType<typeof runRetrainJob>>) => void,
    options: { runJob?: RetrainerDeps['runJob']; metrics?: ServiceMetrics } = {},
  ): { retrainer: Retrainer; models: ServedModels } {
    const logger = createSilentLogger();
    const models = createServedModels(config, { registry, logger, kinds: modelKindsFor(config.model) });
    const retrainer = createRetrainer({
      settings: retrainerSettingsOf(config),
      models,
      registry,
      storePath: join(dir, 'gruwatch.db'),
      clock,
      logger,
      metrics: options.metrics ?? createServiceMetrics({ assetStatuses: [] }),
      labels: () => store.listLabels(),
      silences: () => store.listSilencePeriods({ fromMs: 0, toMs: Number.MAX_SAFE_INTEGER }),
      recordEvent: (event) => events.push(event),
      refreshModels: async () => {
        for (const change of await models.refresh())
          events.push({
            atMs: clock.nowMs(),
            model: change.name,
            event: 'promoted',
            version: change.toVersion,
          });
      },
      onStatus: () => {},
      runJob:
        options.runJob ??
        (async (input) => {
          const result = await runRetrainJob(input, {
            nowMs: () => clock.nowMs(),
            matches: matchesAssetPattern,
            ...retrainJobDepsFor(config.model, registry),
          });
          damage?.(input, result);
          return result;
        }),
    });
    return { retrainer, models };
  }

  const kinds = () => events.map((e) => e.event);

  it('trains the first model from the store and serves it', async () => {
    const { retrainer, models } = setUp(makeConfig());
    const run = await retrainer.retrainNow('pumps');
    expect(run?.outcome, run?.reason).toBe('promoted');
    const current = await registry.current('pumps');
    expect(current).toBe(run?.candidateVersion);
    expect(models.slotOf('pump-1')?.served?.version).toBe(current);
    expect(kinds()).toEqual(['retrain_started', 'candidate_accepted', 'promoted']);
    const manifest = (await registry.load('pumps')).manifest;
    expect(manifest.training?.dataRange?.startMs).toBe(startMs);
    expect(manifest.training?.durationMs).toBeGreaterThanOrEqual(0);
    expect(manifest.training?.warmStartFrom).toBeNull();
  });

  it('refuses a worse candidate and keeps serving the current model', async () => {
    const good = setUp(makeConfig());
    await good.retrainer.retrainNow('pumps');
    const current = await registry.current('pumps');
    events = [];
    // The same data, but a network too small and trained too briefly to reconstruct it.
    const worse = setUp(
      makeConfig({
        model: { hiddenSize: 1, training: { epochs: 1, batchSize: 32, learningRate: 0.0001, seed: 9 } },
      }),
    );
    await worse.models.refresh();
    const run = await worse.retrainer.retrainNow('pumps');
    expect(run?.outcome).toBe('refused');
    expect(run?.reason).toMatch(/mean error .* above the allowed/);
    expect(await registry.current('pumps')).toBe(current);
    expect(worse.models.slotOf('pump-2')?.served?.version).toBe(current);
    // The refused candidate stays in the registry for inspection, not as current.
    expect(await registry.versions('pumps')).toContain(run?.candidateVersion);
    expect(kinds()).toEqual(['retrain_started', 'candidate_refused']);
  });

  it('refuses a corrupt candidate artifact and keeps serving the current model', async () => {
    const good = setUp(makeConfig());
    await good.retrainer.retrainNow('pumps');
    const current = await registry.current('pumps');
    events = [];
    const corrupt = setUp(makeConfig(), (_input, result) => {
      if (result.outcome === 'candidate') result.bytes.weightsBytes[10] ^= 0xff;
    });
    await corrupt.models.refresh();
    const run = await corrupt.retrainer.retrainNow('pumps');
    expect(run?.outcome).toBe('refused');
    expect(run?.reason).toMatch(/refused by the registry/);
    expect(await registry.current('pumps')).toBe(current);
    expect(corrupt.models.slotOf('pump-1')?.served?.version).toBe(current);
  });

  it('skips with the reason when too little clean data is left', async () => {
    const { retrainer } = setUp(makeConfig({ retraining: { minWindows: 5_000 } }));
    const run = await retrainer.retrainNow('pumps');
    expect(run?.outcome).toBe('skipped');
    expect(run?.reason).toMatch(
      /too little clean data: \d+ complete window\(s\) of 16 steps after exclusions, 5000 needed/,
    );
    expect(await registry.current('pumps')).toBeUndefined();
  });

  it('waits for approval under the manual policy, then promotes on request', async () => {
    const { retrainer, models } = setUp(makeConfig({ retraining: { promotion: { mode: 'manual' } } }));
    const run = await retrainer.retrainNow('pumps');
    expect(run?.outcome).toBe('awaiting_approval');
    expect(retrainer.status('pumps')?.pendingApproval?.version).toBe(run?.candidateVersion);
    expect(await registry.current('pumps')).toBeUndefined();
    await retrainer.promote('pumps', run!.candidateVersion!);
    expect(models.slotOf('pump-1')?.served?.version).toBe(run?.candidateVersion);
    expect(retrainer.status('pumps')?.pendingApproval).toBeNull();
  });

  it('runs an accepted candidate in shadow, counts would-be alerts, then promotes it', async () => {
    const first = setUp(makeConfig());
    await first.retrainer.retrainNow('pumps');
    const firstVersion = (await registry.current('pumps'))!;
    const shadowMs = 60_000;
    const { retrainer, models } = setUp(makeConfig({ retraining: { shadowMs } }));
    await models.refresh();
    const run = await retrainer.retrainNow('pumps');
    expect(run?.outcome).toBe('shadow');
    expect(retrainer.status('pumps')?.shadow?.version).toBe(run?.candidateVersion);
    // Live windows judged by the current model; the shadow scores them too.
    const served = models.slotOf('pump-1')!.served!;
    const current = createAssetMonitor({
      config: makeConfig().detector,
      calibrationFor: () => served.calibration,
    });
    for (let end = T; end * periodMs <= shadowMs + T * periodMs; end += hop) {
      const values = new Float32Array(T * channels.length);
      for (let t = 0; t < T; t++) values.set(plantFrame(end - T + t, 0), t * channels.length);
      const window = {
        assetId: 'pump-1',
        atMs: startMs + end * periodMs,
        state: 'ok' as const,
        channels,
        T,
        values,
      };
      const verdict = current.verdict(window);
      const result = current.observe(
        window,
        verdict.shouldScore ? served.reconstructor.reconstruct(values).residuals : null,
      );
      retrainer.observe(window, result, 'pumps');
    }
    await expect.poll(async () => registry.current('pumps'), { timeout: 5_000 }).toBe(run?.candidateVersion);
    expect(retrainer.status('pumps')?.shadow).toBeNull();
    const ended = events.find((e) => e.event === 'shadow_ended');
    expect(ended?.reason).toMatch(/would have opened \d+ alert\(s\), the current model opened \d+/);
    expect(await registry.previous('pumps')).toBe(firstVersion);
  });

  it('rolls back to the model that served before', async () => {
    const { retrainer, models } = setUp(makeConfig());
    const first = await retrainer.retrainNow('pumps');
    clock.advance(1_000);
    // Newer data, so the second run trains again instead of finding nothing new.
    const second = await retrainer.retrainNow('pumps');
    expect(second?.outcome).toBe('promoted');
    expect(models.slotOf('pump-1')?.served?.version).toBe(second?.candidateVersion);
    const moved = await retrainer.rollback('pumps');
    expect(moved).toEqual({ from: second?.candidateVersion, to: first?.candidateVersion });
    expect(models.slotOf('pump-1')?.served?.version).toBe(first?.candidateVersion);
    await expect(retrainer.rollback('pumps')).rejects.toThrow(/no version that served before/);
  });

  it('stops a run over retraining.maxRunMs, counts it and keeps serving the current model', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const metrics = createServiceMetrics({ assetStatuses: [], defaultMetrics: false });
      let jobSignal: AbortSignal | undefined;
      let started: () => void = () => {};
      const isStarted = new Promise<void>((resolve) => {
        started = resolve;
      });
      // A job that never finishes on its own (a stuck training child).
      const { retrainer } = setUp(makeConfig({ retraining: { maxRunMs: 60_000 } }), undefined, {
        metrics,
        runJob: (_input, _progress, signal) => {
          jobSignal = signal;
          started();
          return new Promise(() => {});
        },
      });
      const running = retrainer.retrainNow('pumps');
      await isStarted;
      await vi.advanceTimersByTimeAsync(60_000);
      const run = await running;
      expect(run?.outcome).toBe('failed');
      expect(run?.reason).toMatch(/longer than retraining\.maxRunMs \(60000 ms\)/);
      expect(jobSignal?.aborted).toBe(true);
      expect(retrainer.status('pumps')?.running).toBe(false);
      expect(await metrics.registry.getSingleMetricAsString('retrain_timeouts_total')).toMatch(
        /retrain_timeouts_total\{model="pumps"\} 1/,
      );
      expect(kinds()).toEqual(['retrain_started', 'retrain_failed']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('prunes the registry to retraining.keepVersions after a run, keeping the current version', async () => {
    const old: string[] = [];
    for (let i = 0; i < 4; i++) {
      clock.advance(1_000);
      const bytes = encodeArtifact(createAutoencoder({ C: channels.length, T, H: 3 }, { seed: i }), {
        channels: [...channels],
        hopSteps: hop,
        normalizer: { center: channels.map(() => 0), scale: channels.map(() => 1) },
        calibration: { type: 'quantile', value: 1, n: 120, stats: { q: 0.99, min: 0, max: 1, mean: 0.2 } },
        gruwatchVersion: '0.0.0-test',
      });
      old.push(await registry.add('pumps', bytes));
    }
    clock.advance(1_000);
    const { retrainer } = setUp(makeConfig({ retraining: { keepVersions: 2 } }));
    const run = await retrainer.retrainNow('pumps');
    expect(run?.outcome).toBe('promoted');
    expect(await registry.versions('pumps')).toEqual([old[3], run?.candidateVersion]);
  });
});
