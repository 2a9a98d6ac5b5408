import { describe, expect, it } from 'vitest';
import { countConfusion, outlierMetrics, sumConfusion } from './confusion.js';

describe('confusion counts and micro-averaged metrics', () => {
  it('counts one file row by row', () => {
    // rows:       TP TP FN FP TN TN
    const truth = [1, 1, 1, 0, 0, 0];
    const predicted = [1, 1, 0, 1, 0, 0];
    expect(countConfusion(truth, predicted)).toEqual({ tp: 2, fp: 1, tn: 2, fn: 1 });
  });

  it('sums counts over files before computing F1, FAR and MAR (micro average)', () => {
    const a = countConfusion([1, 1, 0, 0], [1, 1, 1, 1]); // tp 2, fp 2
    const b = countConfusion([1, 1, 1, 1, 0, 0, 0, 0, 0, 0], [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]); // tp 1, fn 3, tn 6
    const total = sumConfusion([a, b]);
    expect(total).toEqual({ tp: 3, fp: 2, tn: 6, fn: 3 });
    const m = outlierMetrics(total);
    // F1 = 3 / (3 + (2 + 3)/2) = 3/5.5; FAR = 2/8; MAR = 3/6.
    expect(m.f1).toBeCloseTo(3 / 5.5, 12);
    expect(m.far).toBeCloseTo(25, 12);
    expect(m.mar).toBeCloseTo(50, 12);
    // The macro average of the two files' F1 would differ: (2/3 + 1/2.5)/2 = 0.5333…
    const macro = (outlierMetrics(a).f1 + outlierMetrics(b).f1) / 2;
    expect(Math.abs(macro - m.f1)).toBeGreaterThan(0.01);
  });

  it('flagging every row gives FAR 100 % and MAR 0 %', () => {
    const m = outlierMetrics(countConfusion([1, 0, 1, 0, 1], [1, 1, 1, 1, 1]));
    expect(m).toEqual({ f1: 3 / 4, far: 100, mar: 0 });
  });

  it('defines empty rates as 0', () => {
    expect(outlierMetrics({ tp: 0, fp: 0, tn: 0, fn: 0 })).toEqual({ f1: 0, far: 0, mar: 0 });
  });

  it('refuses predictions of another length, naming the field', () => {
    expect(() => countConfusion([1, 0], [1])).toThrow(/predicted has 1/);
  });
});
