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

  it('lets the readings of evicted assets go, so ids that came and went do not stay in memory', async () => {
    const written: string[][] = [];
    const changelog = {
      write: (entries: { assetId: string }[]) => {
        written.push(entries.map((e) => e.assetId));
        return Promise.resolve();
      },
    } as unknown as StateChangelog;
    const state = createPartitionState({
      changelog,
      pipeline: () => ({ adoptAssets: () => {}, setReplaying: () => {}, forgetAssets: () => {} }),
      ingest: () => ({ adoptAssets: () => {} }),
      store: { keepAssetState: () => {}, readJournal: () => [] },
      logger: createSilentLogger(),
      journalKeepMs: 60_000,
    });
    for (let n = 0; n < 1_000; n++) {
      const assetId = `asset-${n}`;
      await state.afterCommit({
        origin: { transport: 'kafka', topic: 't', partition: n % 4, receivedAtMs: n },
        journal: { readings: [{ assetId, channel: 'flow', timestampMs: n, value: n }], receivedAtMs: n },
        assetState: new Map([[assetId, '{}']]),
      });
      // The aligner forgets all but the ten newest ids (idle eviction).
      if (n >= 10) state.evicted([`asset-${n - 10}`]);
    }
    expect(state.keptAssets).toBe(10);
    expect(written).toHaveLength(1_000);
    // An evicted asset has no partition any more: state the idle flush touches is not written for it.
    await state.afterCommit({
      origin: { transport: 'kafka', topic: 't', partition: 0, receivedAtMs: 0 },
      journal: { readings: [], receivedAtMs: 0 },
      assetState: new Map([
        ['asset-3', '{}'],
        ['asset-999', '{}'],
      ]),
    });
    expect(written.at(-1)).toEqual(['asset-999']);
  });
});
