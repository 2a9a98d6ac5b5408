import { describe, expect, it } from 'vitest';
import { createRootLogger, MemoryTelemetry, PipelineError } from '../../core/index.js';
import { calibrateThreshold, createAssetMonitor, detectorConfigSchema } from '../index.js';
import type { PipelineCommit, RecordBatch } from '../sinks/index.js';
import { createPipeline } from './delivery-pipeline.js';
import type { PipelineStore } from './pipeline-ports.js';

const channels = ['speed', 'flow'];
interface Commit {
  batch: RecordBatch;
  pipeline: PipelineCommit;
}

function setup(commit: (batch: RecordBatch, pipeline: PipelineCommit) => void = () => {}) {
  const commits: Commit[] = [];
  let signalSpace: () => void = () => {};
  const store: PipelineStore = {
    commit(batch, pipeline) {
      commit(batch, pipeline);
      commits.push({ batch, pipeline });
    },
    waitForSpace: () =>
      new Promise<void>((resolve) => {
        signalSpace = resolve;
      }),
  };
  const afterCommits: { receivedAtMs: number; journal: number; commitsSoFar: number }[] = [];
  const config = detectorConfigSchema.parse({ scoring: { aggregate: 'mse_window', hopSteps: 1 } });
  // No model serves these assets: the test is about commits, the threshold is never reached.
  const calibration = calibrateThreshold([1, 2, 3], config.threshold);
  const pipeline = createPipeline({
    modelFor: () => undefined,
    monitor: createAssetMonitor({ config, calibrationFor: () => calibration }),
    store,
    metrics: Object.assign(new MemoryTelemetry(), { scoringLatency: { observe: () => {} } }),
    live: { publish: () => {} },
    logger: createRootLogger({ level: 'silent' }),
    afterCommit: async ({ origin, journal }) => {
      afterCommits.push({
        receivedAtMs: origin.receivedAtMs,
        journal: journal.readings.length,
        commitsSoFar: commits.length,
      });
    },
  });
  /** One delivery as a source hands it over: its frame, then its commit. */
  const deliver = (assetId: string, startMs: number): Promise<void> => {
    pipeline.onFrame({
      assetId,
      channels,
      startMs,
      endMs: startMs + 1_000,
      values: new Float32Array([startMs, 1]),
      state: 'ok',
    });
    return pipeline.commitDelivery({
      readings: [{ assetId, channel: 'speed', timestampMs: startMs, value: startMs }],
      origin: { receivedAtMs: startMs },
    });
  };
  return { pipeline, commits, afterCommits, deliver, space: () => signalSpace() };
}

/** When each promise settled, counted in store commits made by then. */
function commitsWhenSettled(commits: readonly Commit[], promises: readonly Promise<void>[]) {
  return Promise.allSettled(promises.map((p) => p.then(() => commits.length)));
}

describe('pipeline: group commit', () => {
  it('commits the deliveries handed over in the same turn in one transaction, each resolved after it', async () => {
    const s = setup();
    const settled = commitsWhenSettled(s.commits, [
      s.deliver('pump-1', 1_000),
      s.deliver('pump-2', 1_000),
      s.deliver('pump-1', 2_000),
    ]);
    expect(s.commits).toHaveLength(0);
    expect((await settled).map((r) => r.status === 'fulfilled' && r.value)).toEqual([1, 1, 1]);
    expect(s.commits).toHaveLength(1);
    const [only] = s.commits;
    expect(only.batch.frames.map((f) => [f.assetId, f.atMs])).toEqual([
      ['pump-1', 1_000],
      ['pump-2', 1_000],
      ['pump-1', 2_000],
    ]);
    expect(only.pipeline.journal?.flatMap((d) => d.readings.map((r) => [r.assetId, r.timestampMs]))).toEqual([
      ['pump-1', 1_000],
      ['pump-2', 1_000],
      ['pump-1', 2_000],
    ]);
    // Each asset's state once, the latest delivery's (its progress is the newer frame).
    const state = only.pipeline.assetState;
    expect([...(state?.keys() ?? [])].sort()).toEqual(['pump-1', 'pump-2']);
    expect(JSON.parse(state?.get('pump-1') ?? '{}').progress.frameAtMs).toBe(2_000);
    // Every delivery's own afterCommit, with its own journal, after the commit.
    expect(s.afterCommits).toEqual([
      { receivedAtMs: 1_000, journal: 1, commitsSoFar: 1 },
      { receivedAtMs: 1_000, journal: 1, commitsSoFar: 1 },
      { receivedAtMs: 2_000, journal: 1, commitsSoFar: 1 },
    ]);
  });

  it('commits a delivery alone when the one before it has already committed', async () => {
    const s = setup();
    await s.deliver('pump-1', 1_000);
    await s.deliver('pump-1', 2_000);
    expect(s.commits.map((c) => c.batch.frames.map((f) => f.atMs))).toEqual([[1_000], [2_000]]);
  });

  it('rejects every delivery of a group whose commit throws, and commits the next group', async () => {
    let isFailing = true;
    const s = setup(() => {
      if (isFailing) throw new Error('disk I/O error');
    });
    const group = Promise.allSettled([s.deliver('pump-1', 1_000), s.deliver('pump-2', 1_000)]);
    expect((await group).map((r) => r.status === 'rejected' && (r.reason as Error).message)).toEqual([
      'disk I/O error',
      'disk I/O error',
    ]);
    expect(s.afterCommits).toEqual([]);
    isFailing = false;
    await expect(s.deliver('pump-3', 1_000)).resolves.toBeUndefined();
    expect(s.commits.map((c) => c.batch.frames.map((f) => f.assetId))).toEqual([['pump-3']]);
  });

  it('holds a group on a full store, commits it once there is space, then the deliveries that came meanwhile', async () => {
    let isFull = true;
    const s = setup(() => {
      if (isFull) throw new PipelineError('STORE_FULL', 'the disk is full');
    });
    const first = commitsWhenSettled(s.commits, [s.deliver('pump-1', 1_000), s.deliver('pump-2', 1_000)]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Arrived while the first group waits for space: the next group, committed after it.
    const second = commitsWhenSettled(s.commits, [s.deliver('pump-1', 2_000), s.deliver('pump-2', 2_000)]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(s.commits).toHaveLength(0);
    expect(s.afterCommits).toEqual([]);
    isFull = false;
    s.space();
    expect((await first).map((r) => r.status === 'fulfilled' && r.value)).toEqual([1, 1]);
    expect((await second).map((r) => r.status === 'fulfilled' && r.value)).toEqual([2, 2]);
    expect(s.commits.map((c) => c.batch.frames.map((f) => `${f.assetId}@${f.atMs}`))).toEqual([
      ['pump-1@1000', 'pump-2@1000'],
      ['pump-1@2000', 'pump-2@2000'],
    ]);
  });

  it('rejects a group waiting for space when waiting stops', async () => {
    const s = setup(() => {
      throw new PipelineError('STORE_FULL', 'the disk is full');
    });
    const group = Promise.allSettled([s.deliver('pump-1', 1_000), s.deliver('pump-2', 1_000)]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    s.pipeline.stopWaiting();
    expect((await group).map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
