// Retraining benchmark: one week of 1 Hz data of one 8-channel pump in a local
// store, retrained the way `gruwatch run` does it (a child process reads the
// store, curates, fits, validates), while the main thread keeps scoring windows
// at a steady pace. Prints one JSON object: the retrain times (first model and
// warm start) and the scoring latency percentiles without and with a retrain
// running, measured side by side in this one run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modelKindsFor } from '../../bin/model-kinds.js';
import { runRetrainInChild } from '../../bin/run-retrain-in-child.js';
import { createSilentLogger, systemClock } from '../../core/index.js';
import { calibrationSchema, createAssetMonitor, detectorConfigSchema } from '../../detector/index.js';
import type { RetrainJobInput, RetrainJobResult } from '../../detector/retraining/index.js';
import { retrainingConfigSchema, retrainingSettingsFor } from '../../detector/retraining/index.js';
import {
  createLocalStore,
  type FrameRecord,
  openStoreReader,
  retentionSchema,
} from '../../detector/sinks/index.js';
import { createPlant, pumpChannelNames } from '../../ingest/index.js';
import { modelConfigSchema } from '../../model/index.js';
import { createModelRegistry } from '../../model/node/index.js';

const dayMs = 86_400_000;
const periodMs = 1_000;
const days = Number(process.argv[2] ?? 7);
const assetId = 'pump-001';
const channels = [...pumpChannelNames, 'motor_power_kw', 'winding_temp_c'];
const C = channels.length;

const model = modelConfigSchema.parse({});
const detector = detectorConfigSchema.parse({
  machineOff: [{ asset: 'pump-*', channel: 'speed_rpm', below: 100 }],
});
const settings = retrainingSettingsFor(retrainingConfigSchema.parse({}), 'pumps');

function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function summary(samplesUs: number[]) {
  const sorted = Float64Array.from(samplesUs).sort();
  return {
    windows: sorted.length,
    p50Us: Math.round(percentile(sorted, 0.5)),
    p99Us: Math.round(percentile(sorted, 0.99)),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'gruwatch-retrain-bench-'));
try {
  // 1. A week of frames in the local store, as the live pipeline would have committed them.
  const storePath = join(dir, 'gruwatch.db');
  const store = createLocalStore(
    {
      path: storePath,
      synchronous: 'normal',
      retention: retentionSchema.parse({
        scoresMaxAgeDays: 36_500,
        alertsMaxAgeDays: 36_500,
        framesMaxAgeDays: 36_500,
        pruneIntervalMs: 3_600_000,
        pruneChunkRows: 10_000,
      }),
    },
    { clock: systemClock, logger: createSilentLogger() },
  );
  const startMs = Date.UTC(2026, 0, 5);
  const plant = createPlant({ assets: 1, kind: 'pump', seed: 7, startMs, periodMs });
  const fillStartedMs = performance.now();
  let batch: FrameRecord[] = [];
  let winding = 40;
  for (const tick of plant.generate(startMs + days * dayMs)) {
    const v = tick.frames[0]!.values.map((x) => x ?? Number.NaN);
    const current = v[3]!;
    const power = Math.round(current * 0.4 * Math.sqrt(3) * 0.86 * 100) / 100;
    winding += (25 + current * 0.9 - winding) / 900; // about 15 minutes of thermal lag
    batch.push({
      assetId,
      atMs: tick.timestampMs,
      channels,
      values: [...v, power, Math.round(winding * 10) / 10],
      state: 'ok',
    });
    if (batch.length === 3_600) {
      store.commit({ scores: [], alerts: [], frames: batch });
      batch = [];
    }
  }
  if (batch.length > 0) store.commit({ scores: [], alerts: [], frames: batch });
  const fillSeconds = (performance.now() - fillStartedMs) / 1000;
  store.close();
  const rows = Math.round((days * dayMs) / periodMs);

  const registry = createModelRegistry(join(dir, 'models'));
  const input = (currentVersion: string | null): RetrainJobInput => ({
    model: 'pumps',
    channels,
    groups: [{ match: 'pump-*', model: 'pumps' }],
    periodMs,
    window: { lengthSteps: model.windowSteps, hopSteps: model.hopSteps },
    detector,
    settings,
    currentVersion,
    storePath,
    source: { type: 'store' },
    labels: [],
    silences: [],
    maintenance: [],
    trainedThroughMs: null,
  });
  const timed = async (currentVersion: string | null) => {
    const started = performance.now();
    const result = await runRetrainInChild({
      job: input(currentVersion),
      modelConfig: model,
      registryDir: registry.dir,
    });
    return { result, seconds: (performance.now() - started) / 1000 };
  };
  const describe = (run: { result: RetrainJobResult; seconds: number }) =>
    run.result.outcome === 'candidate'
      ? {
          seconds: Math.round(run.seconds * 10) / 10,
          trainingWindows: run.result.selection.trainingWindows,
          holdoutWindows: run.result.selection.holdoutWindows,
          epochs: (JSON.parse(run.result.bytes.manifestJson) as { training: { epochs: number } }).training
            .epochs,
          candidateFalseAlarmRate: run.result.candidate.falseAlarmRate,
          accepted: run.result.decision.accept,
        }
      : { seconds: Math.round(run.seconds * 10) / 10, skipped: run.result.reason };

  // 2. The first model of the asset (no current model), from scratch.
  const first = await timed(null);
  if (first.result.outcome !== 'candidate') throw new Error(`first retrain skipped: ${first.result.reason}`);
  const firstVersion = await registry.add('pumps', first.result.bytes);
  await registry.promote('pumps', firstVersion);

  // 3. Scoring on the main thread, paced like a plant's windows, without and with a retrain
  //    (warm start from the first model) running in the child process.
  const loaded = await registry.load('pumps');
  const reconstructor = modelKindsFor(model)[0]!.createReconstructor(loaded);
  const calibration = calibrationSchema.parse(loaded.manifest.calibration);
  const monitor = createAssetMonitor({ config: detector, calibrationFor: () => calibration });
  const reader = openStoreReader(storePath);
  // An hour of the last day around noon: the machine runs, so every window is scored.
  const hourFromMs = startMs + (days - 1) * dayMs + 12 * 3_600_000;
  const frames = reader.queryFrames({ assetId, fromMs: hourFromMs, toMs: hourFromMs + 3_600_000 });
  reader.close();
  const T = model.windowSteps;
  let cursor = 0;
  const window = new Float32Array(T * C);
  const scoreOne = (): number => {
    const end = T + (cursor++ % (frames.length - T));
    for (let t = 0; t < T; t++) window.set(frames[end - T + t]!.values, t * C);
    const started = process.hrtime.bigint();
    const monitored = {
      assetId,
      atMs: frames[end - 1]!.atMs,
      state: 'ok' as const,
      channels,
      T,
      values: window,
    };
    const verdict = monitor.verdict(monitored);
    const residuals = verdict.shouldScore
      ? reconstructor.reconstruct(window).residuals.subarray(0, T * C)
      : null;
    monitor.observe(monitored, residuals);
    return Number(process.hrtime.bigint() - started) / 1000;
  };
  const paceMs = 5;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const scoreFor = async (count: number): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      out.push(scoreOne());
      await sleep(paceMs);
    }
    return out;
  };
  const before = await scoreFor(2_000);
  const during: number[] = [];
  let retraining = true;
  const warm = timed(firstVersion).finally(() => {
    retraining = false;
  });
  while (retraining) {
    during.push(scoreOne());
    await sleep(paceMs);
  }
  const warmRun = await warm;
  const after = await scoreFor(2_000);
  const without = summary([...before, ...after]);
  const withRetrain = summary(during);
  process.stdout.write(
    `${JSON.stringify({
      data: { assets: 1, channels: C, periodMs, days, rows, fillSeconds: Math.round(fillSeconds * 10) / 10 },
      model: {
        windowSteps: T,
        hopSteps: model.hopSteps,
        hiddenSize: model.hiddenSize,
        maxEpochs: model.training.epochs,
      },
      retrainFirstModel: describe(first),
      retrainWarmStart: describe(warmRun),
      scoring: {
        paceMs,
        withoutRetrain: without,
        withRetrain,
        p99Ratio: Math.round((withRetrain.p99Us / without.p99Us) * 100) / 100,
      },
    })}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
