import { describe, expect, it } from 'vitest';
import { planPumpAnomalies } from './anomaly-plan.js';
import { pumpChannelNames } from './assets/pump.js';
import { createPlant } from './plant.js';

const assetIds = ['pump-001', 'pump-002', 'pump-003', 'pump-004', 'pump-005'];
const t0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const plan = (seed: number, everyMs = 90_000) =>
  planPumpAnomalies({
    assetIds,
    periodMs: 1_000,
    seed,
    startMs: t0,
    firstAfterMs: 32_000,
    everyMs,
    durationMs: 60_000,
    horizonMs: 3_600_000,
  });

describe('planPumpAnomalies', () => {
  it('plants one anomaly every interval from the first delay to the horizon, on the plant’s assets and channels', () => {
    const items = plan(7);
    expect(items.length).toBe(Math.ceil((3_600_000 - 32_000) / 90_000));
    expect(items[0]!.startMs).toBe(t0 + 32_000);
    for (const [i, item] of items.entries()) {
      expect(item.startMs - items[0]!.startMs).toBe(i * 90_000);
      expect(assetIds).toContain(item.asset);
      expect(pumpChannelNames).toContain(item.channel);
    }
    // The simulator refuses unknown assets and channels: the plan must be one it runs.
    expect(() =>
      createPlant({ assets: 5, kind: 'pump', seed: 7, startMs: t0, periodMs: 1_000, anomalies: items }),
    ).not.toThrow();
  });

  it('never overlaps two anomalies on one asset, even when they come faster than they last', () => {
    for (const everyMs of [90_000, 20_000, 5_000]) {
      const items = plan(3, everyMs);
      for (const a of items) {
        for (const b of items) {
          if (a === b || a.asset !== b.asset) continue;
          const isApart = a.startMs + a.durationMs <= b.startMs || b.startMs + b.durationMs <= a.startMs;
          expect(isApart, `${JSON.stringify(a)} and ${JSON.stringify(b)}`).toBe(true);
        }
      }
    }
  });

  it('repeats with the seed and varies across seeds', () => {
    expect(plan(11)).toEqual(plan(11));
    const firsts = new Set([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => JSON.stringify(plan(seed)[0])));
    expect(firsts.size).toBeGreaterThan(1);
  });

  it('uses several kinds of anomaly', () => {
    expect(new Set(plan(5).map((a) => a.kind)).size).toBeGreaterThanOrEqual(3);
  });
});
