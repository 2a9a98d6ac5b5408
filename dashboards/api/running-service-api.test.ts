import { describe, expect, it } from 'vitest';
import { createSilentLogger, isPipelineError, ManualClock, PipelineError } from '../../core/index.js';
import type { ApiRetraining, ApiStore, RunningServiceApiDeps } from './running-service-api.js';
import { createRunningServiceApi } from './running-service-api.js';

function setup(retraining: Partial<ApiRetraining> = {}) {
  const calls: unknown[] = [];
  const record = <T>(name: string, query: unknown, answer: T): T => {
    calls.push([name, query]);
    return answer;
  };
  const clock = new ManualClock(10_000);
  const store: ApiStore = {
    queryScores: (q) => record('scores', q, []),
    queryAlerts: (q) => record('alerts', q, []),
    queryModelEvents: (q) => record('events', q, []),
    listLabels: () => [],
    saveLabel: (label) => void calls.push(['saveLabel', label]),
    deleteLabel: () => true,
  };
  const deps: RunningServiceApiDeps = {
    clock,
    logger: createSilentLogger(),
    newId: () => 'id-1',
    readiness: () => [],
    assets: () => [],
    store,
    silences: { list: () => [], add: (s) => s, remove: () => false },
    models: {
      names: () => ['pumps'],
      view: (name) => ({
        name,
        version: 'v1',
        createdAt: null,
        channels: [],
        dims: null,
        threshold: null,
        calibration: null,
        training: null,
        needsNewModel: null,
        retraining: null,
        retrainHistory: [],
      }),
    },
    retraining: {
      status: (model) =>
        model === 'pumps'
          ? {
              enabled: false,
              schedule: null,
              nextRunAtMs: null,
              running: false,
              lastRun: null,
              pendingApproval: null,
              shadow: null,
            }
          : null,
      retrainNow: async () => undefined,
      promote: async () => undefined,
      rollback: async () => ({ from: 'v2', to: 'v1' }),
      ...retraining,
    },
    frames: (q) => record('frames', q, { channels: [], points: [] }),
    deliveries: () => [],
    subscribe: () => () => {},
  };
  return { api: createRunningServiceApi(deps), calls };
}

const codeOf = async (promise: Promise<unknown> | undefined) =>
  promise?.then(
    () => 'resolved',
    (err: unknown) => (isPipelineError(err) ? err.code : String(err)),
  );

describe('the running service API', () => {
  it('reads scores up to now and frames of the last hour when the request names no range', () => {
    const { api, calls } = setup();
    api.scores({ assetId: 'p1', limit: 5 });
    api.frames?.({ assetId: 'p1', limit: 5 });
    api.frames?.({ assetId: 'p1', toMs: 7_200_000, limit: 5 });
    expect(calls).toEqual([
      ['scores', { assetId: 'p1', fromMs: 0, toMs: 10_001, limit: 5, latest: true }],
      ['frames', { assetId: 'p1', fromMs: 10_001 - 3_600_000, toMs: 10_001, limit: 5 }],
      ['frames', { assetId: 'p1', fromMs: 3_600_000, toMs: 7_200_000, limit: 5 }],
    ]);
  });

  it('lists alerts and model events newest first', () => {
    const { api, calls } = setup();
    api.alerts({ assetId: 'p1', limit: 3 });
    api.modelEvents?.({ limit: 4 });
    expect(calls).toEqual([
      ['alerts', { assetId: 'p1', limit: 3, newestFirst: true }],
      ['events', { limit: 4, newestFirst: true }],
    ]);
  });

  it('keeps a label with a new id and the time it was made', () => {
    const { api, calls } = setup();
    const body = {
      assetPattern: 'p1',
      fromMs: 1,
      toMs: 2,
      kind: 'normal' as const,
      reason: 'r',
      createdBy: 'api',
    };
    expect(api.addLabel?.(body)).toEqual({ id: 'id-1', ...body, createdAtMs: 10_000 });
    expect(calls).toEqual([['saveLabel', { id: 'id-1', ...body, createdAtMs: 10_000 }]]);
  });

  it('answers a retraining request at once, and refuses an unknown model with API_NOT_FOUND', async () => {
    let finish!: () => void;
    const { api } = setup({ retrainNow: () => new Promise<void>((resolve) => (finish = resolve)) });
    expect(await api.retrainNow?.('pumps')).toMatchObject({ model: 'pumps', queued: true });
    finish();
    expect(await codeOf(api.retrainNow?.('fans'))).toBe('API_NOT_FOUND');
  });

  it("gives model actions the API's codes: what the registry lacks is not found, what cannot be served a conflict", async () => {
    const lacking = setup({
      promote: async () => {
        throw new PipelineError('CLI_USAGE', 'model "pumps" has no version "v9"');
      },
      rollback: async () => {
        throw new PipelineError('CLI_USAGE', 'nothing to roll back to');
      },
    });
    expect(await codeOf(lacking.api.promoteModel?.('pumps', 'v9'))).toBe('API_NOT_FOUND');
    expect(await codeOf(lacking.api.rollbackModel?.('pumps'))).toBe('API_NOT_FOUND');
    const unusable = setup({
      promote: async () => {
        throw new PipelineError('MODEL_ARTIFACT_INCOMPATIBLE', 'trained for other channels');
      },
    });
    expect(await codeOf(unusable.api.promoteModel?.('pumps', 'v3'))).toBe('API_CONFLICT');
    expect(await setup().api.rollbackModel?.('pumps')).toMatchObject({
      from: 'v2',
      to: 'v1',
      model: { name: 'pumps' },
    });
  });
});
