import { describe, expect, it } from 'vitest';
import { countConfusion } from './confusion.js';
import { breakDownErrors, sumErrorBreakdowns } from './error-breakdown.js';

describe('breakDownErrors', () => {
  //            normal  | anomaly 1 (8 rows)      | normal   | anomaly 2 | normal
  const truth = [0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0];
  const flags = [0, 1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1];

  it('splits missed rows into onset, gaps, after the last flag and never-flagged anomalies', () => {
    const b = breakDownErrors(truth, flags);
    expect(b.anomalies).toBe(2);
    expect(b.anomaliesMissed).toBe(1);
    expect(b.missedAtOnset).toBe(2);
    expect(b.missedInGaps).toBe(1);
    expect(b.missedAfterClear).toBe(2);
    expect(b.missedInMissedAnomalies).toBe(3);
  });

  it('accounts for every missed row and every false alarm exactly once', () => {
    const b = breakDownErrors(truth, flags);
    const c = countConfusion(truth, flags);
    expect(b.missedAtOnset + b.missedInGaps + b.missedAfterClear + b.missedInMissedAnomalies).toBe(c.fn);
    expect(b.falseAfterAnomaly + b.falseElsewhere).toBe(c.fp);
    expect(b.falseElsewhere).toBe(1);
    expect(b.falseAfterAnomaly).toBe(3);
  });

  it('sums breakdowns field by field', () => {
    const one = breakDownErrors(truth, flags);
    const total = sumErrorBreakdowns([one, one]);
    expect(total.missedAtOnset).toBe(2 * one.missedAtOnset);
    expect(total.falseAfterAnomaly).toBe(2 * one.falseAfterAnomaly);
    expect(total.anomalies).toBe(4);
  });
});
