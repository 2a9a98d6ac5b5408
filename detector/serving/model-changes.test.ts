import { describe, expect, it, vi } from 'vitest';
import { createSilentLogger, ManualClock } from '../../core/index.js';
import type { ModelChange } from '../index.js';
import type { ModelEventRecord } from '../sinks/index.js';
import { createModelChanges } from './model-changes.js';

function setup(changes: ModelChange[][] = [], commit: (events: ModelEventRecord[]) => void = () => {}) {
  const stored: ModelEventRecord[] = [];
  const counted: string[] = [];
  const changed: string[] = [];
  const modelChanges = createModelChanges({
    models: { refresh: async () => changes.shift() ?? [] },
    store: {
      commit: (batch) => {
        commit(batch.modelEvents ?? []);
        stored.push(...(batch.modelEvents ?? []));
      },
    },
    metrics: { count: (name, labels) => void counted.push(`${name} ${JSON.stringify(labels)}`) },
    clock: new ManualClock(5_000),
    logger: createSilentLogger(),
    onChange: (model) => void changed.push(model),
  });
  return { modelChanges, stored, counted, changed };
}

describe('model changes', () => {
  it('makes each model that moved an event: promoted or rolled back, with the version it replaced', async () => {
    const { modelChanges, stored, counted, changed } = setup([
      [
        { name: 'pumps', fromVersion: 'v1', toVersion: 'v2', isRollback: false },
        { name: 'fans', fromVersion: 'f2', toVersion: 'f1', isRollback: true },
      ],
    ]);
    await modelChanges.refresh();
    expect(stored).toEqual([
      { atMs: 5_000, model: 'pumps', event: 'promoted', version: 'v2', previousVersion: 'v1' },
      { atMs: 5_000, model: 'fans', event: 'rolled_back', version: 'f1', previousVersion: 'f2' },
    ]);
    expect(counted).toContain('model_changes_total {"model":"fans","kind":"rollback"}');
    expect(changed).toEqual(['pumps', 'fans']);
  });

  it('still counts and publishes an event the store cannot take', () => {
    const { modelChanges, counted, changed } = setup([], () => {
      throw new Error('outbox full');
    });
    modelChanges.record({
      atMs: 1,
      model: 'pumps',
      event: 'load_failed',
      version: 'v3',
      reason: 'bad checksum',
    });
    expect(counted).toEqual(['model_events_total {"model":"pumps","event":"load_failed"}']);
    expect(changed).toEqual(['pumps']);
  });

  it('looks at the registry on every interval until stopped', async () => {
    vi.useFakeTimers();
    try {
      const { modelChanges, stored } = setup([
        [],
        [{ name: 'pumps', fromVersion: undefined, toVersion: 'v1', isRollback: false }],
      ]);
      const stop = modelChanges.watch(1_000);
      await vi.advanceTimersByTimeAsync(2_000);
      expect(stored.map((e) => e.version)).toEqual(['v1']);
      stop();
      await vi.advanceTimersByTimeAsync(5_000);
      expect(stored).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
