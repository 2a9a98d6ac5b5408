import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OffsetTracker } from './offset-tracker.js';

describe('offset tracker', () => {
  it('commits only up to the first incomplete offset', () => {
    const t = new OffsetTracker();
    for (const o of [5n, 6n, 7n, 9n]) t.take(o);
    expect(t.complete(6n)).toBe(true);
    expect(t.pendingCommit()).toBeUndefined();
    t.complete(5n);
    expect(t.pendingCommit()).toBe(7n);
    t.markCommitted(7n);
    expect(t.pendingCommit()).toBeUndefined();
    t.complete(9n);
    expect(t.pendingCommit()).toBeUndefined();
    t.complete(7n);
    expect(t.pendingCommit()).toBe(10n);
    expect(t.outstanding).toBe(0);
  });

  it('ignores completions of offsets it does not hold or already completed', () => {
    const t = new OffsetTracker();
    t.take(1n);
    expect(t.complete(2n)).toBe(false);
    expect(t.complete(1n)).toBe(true);
    expect(t.complete(1n)).toBe(false);
  });

  it('keeps earlier outstanding offsets when the partition is read again from a later one', () => {
    const t = new OffsetTracker();
    for (const o of [1n, 2n, 3n, 4n]) t.take(o);
    t.complete(1n);
    t.complete(4n);
    // read again from 3 (a seek back after 3 failed): 3 and 4 come again; 2 is still in the pipeline
    t.take(3n);
    t.take(4n);
    expect(t.pendingCommit()).toBe(2n);
    t.markCommitted(2n);
    t.complete(3n);
    t.complete(4n);
    expect(t.pendingCommit()).toBeUndefined(); // 2 is not done: nothing past it
    t.complete(2n);
    expect(t.pendingCommit()).toBe(5n);
  });

  it('never moves the committable offset back when completed records are read again', () => {
    const t = new OffsetTracker();
    for (const o of [10n, 11n, 12n]) t.take(o);
    for (const o of [10n, 11n, 12n]) t.complete(o);
    t.markCommitted(13n);
    t.take(11n); // a fetch from an older committed offset after a rebalance
    t.complete(11n);
    expect(t.pendingCommit()).toBeUndefined();
  });

  it('never commits past an incomplete offset, for any completion order', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 3000 }), (keys) => {
        const t = new OffsetTracker();
        const offsets = keys.map((_, i) => BigInt(i * 2));
        for (const o of offsets) t.take(o);
        const order = offsets.map((o, i) => ({ o, k: keys[i] })).sort((a, b) => a.k - b.k);
        const done = new Set<bigint>();
        for (const { o } of order) {
          t.complete(o);
          done.add(o);
          const c = t.pendingCommit();
          if (c !== undefined) {
            t.markCommitted(c);
            for (const x of offsets) if (x < c) expect(done.has(x)).toBe(true);
          }
        }
        expect(t.outstanding).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});
