import { describe, expect, it } from 'vitest';
import { modelViewSchema } from './api-schemas.js';
import { createModelViews, type ModelSlotPort } from './model-view.js';

const served: ModelSlotPort['served'] = {
  version: 'v2',
  channels: ['a', 'b'],
  calibration: { type: 'quantile', value: 0.4, n: 100 },
  manifest: {
    createdAt: '2026-01-01T00:00:00.000Z',
    dims: { C: 2, T: 16, H: 8 },
    training: { dataRange: null, windows: 10, epochs: 2, bestEpoch: 2, lossCurve: [] },
  },
};

describe('model views', () => {
  it('names each model once, in configuration order, though several groups share it', () => {
    const views = createModelViews({
      slots: () => [
        { name: 'pumps', channels: ['a'], served: undefined },
        { name: 'fans', channels: ['a'], served: undefined },
        { name: 'pumps', channels: ['a'], served: undefined },
      ],
      retraining: () => null,
      history: () => [],
    });
    expect(views.names()).toEqual(['pumps', 'fans']);
  });

  it('shows the served version with its threshold, retraining and history, as the schema says', () => {
    const views = createModelViews({
      slots: () => [{ name: 'pumps', channels: ['a', 'b'], served }],
      retraining: () => ({
        enabled: false,
        schedule: null,
        nextRunAtMs: null,
        running: false,
        lastRun: null,
        pendingApproval: null,
        shadow: null,
      }),
      history: (name) => [{ atMs: 1, model: name, event: 'promoted', version: 'v2' }],
    });
    const view = views.view('pumps');
    expect(view).toMatchObject({ name: 'pumps', version: 'v2', threshold: 0.4, needsNewModel: null });
    expect(view.retrainHistory).toHaveLength(1);
    expect(modelViewSchema.safeParse(view).error).toBeUndefined();
  });

  it('shows a group without a model with its configured channels and why it needs one', () => {
    const views = createModelViews({
      slots: () => [
        { name: 'pumps', channels: ['a', 'c'], served: undefined, needsNewModel: 'channel c added' },
      ],
      retraining: () => null,
      history: () => [],
    });
    const view = views.view('pumps');
    expect(view).toMatchObject({
      version: null,
      channels: ['a', 'c'],
      dims: null,
      needsNewModel: 'channel c added',
    });
    expect(modelViewSchema.safeParse(view).error).toBeUndefined();
  });
});
