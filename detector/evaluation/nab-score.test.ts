import { describe, expect, it } from 'vitest';
import {
  detectionWeight,
  detectionWindows,
  nabOutcome,
  nabProfiles,
  nabRawScore,
  nabScores,
  predictedChangepoints,
} from './nab-score.js';

const S = 1000;
// 200 rows one second apart; a change point at row 50 opens the window [50 s, 110 s].
const times = Array.from({ length: 200 }, (_, i) => i * S);
const oneChangepoint = times.map((_, i) => (i === 50 ? 1 : 0));
/** A prediction that switches on at `on` (and off at `off`, if given). */
const flagged = (on: number, off = 200) => times.map((_, i) => (i >= on && i < off ? 1 : 0));

describe('SKAB NAB windows', () => {
  it('opens a window of the given width to the right of each change point', () => {
    expect(detectionWindows([10 * S, 200 * S], 60 * S)).toEqual([
      { startMs: 10 * S, endMs: 70 * S },
      { startMs: 200 * S, endMs: 260 * S },
    ]);
  });

  it('starts an overlapping later window where the earlier one ends', () => {
    expect(detectionWindows([10 * S, 40 * S], 60 * S)).toEqual([
      { startMs: 10 * S, endMs: 70 * S },
      { startMs: 70 * S, endMs: 100 * S },
    ]);
  });

  it('takes the rows where the 0/1 prediction flips as predicted change points', () => {
    expect(predictedChangepoints([0, 1, 2, 3, 4, 5], [0, 1, 1, 0, 0, 1])).toEqual([1, 3, 5]);
    expect(predictedChangepoints([0, 1, 2], [1, 1, 1])).toEqual([]);
  });
});

describe('SKAB NAB weights and outcomes', () => {
  it('weights a detection from A_TP at the window start to A_FP at its end along tanh', () => {
    const p = nabProfiles.standard;
    expect(detectionWeight(0, p)).toBeCloseTo(1, 12);
    expect(detectionWeight(1, p)).toBeCloseTo(-0.11, 12);
    // Middle: sample 500 of 1000, x = π(500/999 − 1/2) ≈ 0.0015724, tanh(x)/tanh(π/2) ≈ 0.0017144,
    // weight = 0.555 · (1 − 0.0017144) − 0.11 ≈ 0.444049.
    expect(detectionWeight(0.5, p)).toBeCloseTo(0.444049, 5);
    // A quarter in: sample 250, x ≈ −0.784613, tanh ≈ −0.65535, /0.917152 ≈ −0.71455 → 0.555·1.71455 − 0.11.
    expect(detectionWeight(0.25, p)).toBeCloseTo(0.84158, 4);
  });

  it('scores a detection at the start, the middle, late and none for one change point', () => {
    const input = (predicted: number[]) => ({
      timestampsMs: times,
      changepoint: oneChangepoint,
      predicted,
      windowMs: 60 * S,
    });
    const start = nabOutcome(input(flagged(50)));
    expect(start).toEqual({ windows: 1, detectionPositions: [0], falsePositives: 0, missed: 0 });
    expect(nabRawScore(start, nabProfiles.standard)).toEqual({ score: 1, nullScore: -1, perfectScore: 1 });

    const middle = nabOutcome(input(flagged(80)));
    expect(middle.detectionPositions).toEqual([0.5]);
    expect(nabRawScore(middle, nabProfiles.standard).score).toBeCloseTo(0.444049, 5);

    const late = nabOutcome(input(flagged(110)));
    expect(late.detectionPositions).toEqual([1]);
    expect(nabRawScore(late, nabProfiles.standard).score).toBeCloseTo(-0.11, 12);

    // Switching on after the window is a false positive and the window is missed.
    const after = nabOutcome(input(flagged(111)));
    expect(after).toEqual({ windows: 1, detectionPositions: [], falsePositives: 1, missed: 1 });
    expect(nabRawScore(after, nabProfiles.standard).score).toBeCloseTo(-1.11, 12);

    const none = nabOutcome(input(flagged(500)));
    expect(none).toEqual({ windows: 1, detectionPositions: [], falsePositives: 0, missed: 1 });
  });

  it('counts only the first prediction in a window; later ones inside it cost nothing', () => {
    // On at 50, off at 60 (both inside), on again at 150 (outside): one TP, one FP.
    const predicted = times.map((_, i) => ((i >= 50 && i < 60) || i >= 150 ? 1 : 0));
    const o = nabOutcome({ timestampsMs: times, changepoint: oneChangepoint, predicted, windowMs: 60 * S });
    expect(o).toEqual({ windows: 1, detectionPositions: [0], falsePositives: 1, missed: 0 });
  });

  it('applies the overlap rule to detections: one in the shortened later window counts for it', () => {
    // Change points at 50 s and 80 s: windows [50, 110] and [110, 140]. Flips at 120 only.
    const changepoint = times.map((_, i) => (i === 50 || i === 80 ? 1 : 0));
    const o = nabOutcome({ timestampsMs: times, changepoint, predicted: flagged(120), windowMs: 60 * S });
    expect(o.windows).toBe(2);
    expect(o.missed).toBe(1);
    expect(o.detectionPositions).toEqual([(120 - 110) / 30]);
    expect(o.falsePositives).toBe(0);
  });

  it('uses each profile’s weights', () => {
    // One window detected at its start, one window missed, two false positives.
    const o = { windows: 2, detectionPositions: [0], falsePositives: 2, missed: 1 };
    expect(nabRawScore(o, nabProfiles.standard).score).toBeCloseTo(1 - 1 - 0.22, 12);
    expect(nabRawScore(o, nabProfiles.lowFP).score).toBeCloseTo(1 - 1 - 0.44, 12);
    expect(nabRawScore(o, nabProfiles.lowFN).score).toBeCloseTo(1 - 2 - 0.22, 12);
  });

  it('normalises over the corpus: never firing is 0, perfect is 100', () => {
    const perfect = { windows: 3, detectionPositions: [0, 0, 0], falsePositives: 0, missed: 0 };
    const silent = { windows: 3, detectionPositions: [], falsePositives: 0, missed: 3 };
    expect(nabScores([perfect])).toEqual({ standard: 100, lowFP: 100, lowFN: 100 });
    expect(nabScores([silent])).toEqual({ standard: 0, lowFP: 0, lowFN: 0 });
    // Two files: S = (1 − 0.11) + (−1) = −0.11, S_null = −2, S_perfect = 2 → 100 · 1.89 / 4.
    const a = { windows: 1, detectionPositions: [0], falsePositives: 1, missed: 0 };
    const b = { windows: 1, detectionPositions: [], falsePositives: 0, missed: 1 };
    const scores = nabScores([a, b]);
    expect(scores.standard).toBeCloseTo(47.25, 10);
    // lowFN: S = 0.89 − 2 = −1.11, S_null = −4, S_perfect = 2 → 100 · 2.89 / 6.
    expect(scores.lowFN).toBeCloseTo((100 * 2.89) / 6, 10);
  });

  it('refuses inputs of different lengths', () => {
    expect(() =>
      nabOutcome({ timestampsMs: [0, 1], changepoint: [0], predicted: [0, 1], windowMs: 1 }),
    ).toThrow(/changepoint 1/);
  });
});
