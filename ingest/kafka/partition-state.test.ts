import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSilentLogger } from '../../core/index.js';
import { createPartitionState } from './partition-state.js';
import type { StateChangelog } from './state-changelog.js';

describe('createPartitionState', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ends a restoration that keeps failing once stopped, so a stopping service can close its store and exit', async () => {
    vi.useFakeTimers();
    let attempts = 0;
    const changelog = {
      restore: () => {
        attempts++;
        return Promise.reject(new Error('the group is rebalancing'));
      },
    } as unknown as StateChangelog;
    const keepAssetState = vi.fn();
    const state = createPartitionState({
      changelog,
      pipeline: () => {
        throw new Error('not reached');
      },
      ingest: () => {
        throw new Error('not reached');
      },
      store: { keepAssetState, readJournal: () => [] },
      logger: createSilentLogger(),
      journalKeepMs: 60_000,
      retryDelayMs: 1_000,
    });
    const gained = state.gained([3, 4]);
    await vi.advanceTimersByTimeAsync(3_500);
    expect(attempts).toBe(4);

    const stopped = state.stop();
    await vi.advanceTimersByTimeAsync(1_000);
    await stopped;
    await gained;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(attempts).toBe(4);
    expect(keepAssetState).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
});
