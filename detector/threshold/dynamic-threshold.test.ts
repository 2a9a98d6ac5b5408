// The dynamic threshold: a planted spike is flagged, warm-up is undefined, the floor holds, resume is exact.
import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/index.js';
import { detectorConfigSchema } from '../config.js';
import { DynamicThreshold, type DynamicThresholdParams, findDynamicThreshold } from './dynamic-threshold.js';

/** Smoothed-error-like scores: positive, around 1, with a little noise. */
function normalScores(count: number, seed: number): number[] {
  const next = createRng(seed).next;
  let smoothed = 1;
  return Array.from({ length: count }, () => {
    const raw = 1 + 0.3 * (next() + next() + next() - 1.5);
    smoothed = 0.7 * smoothed + 0.3 * raw;
    return smoothed;
  });
}

function params(overrides: Partial<DynamicThresholdParams> = {}): DynamicThresholdParams {
  const parsed = detectorConfigSchema.parse({
    threshold: { type: 'dynamic', windowSize: 200, minScores: 40 },
  });
  if (parsed.threshold.type !== 'dynamic') throw new Error('unreachable');
  const { type: _type, ...rest } = parsed.threshold;
  return { ...rest, ...overrides };
}

describe('findDynamicThreshold', () => {
  it('puts ε between the normal scores and a planted anomalous sequence', () => {
    const scores = normalScores(200, 3);
    for (let i = 120; i < 126; i++) scores[i] = 3;
    const result = findDynamicThreshold(scores, scores.length, params());
    const normalMax = Math.max(...scores.filter((_, i) => i < 120 || i >= 126));
    expect(result.value).toBeGreaterThan(normalMax);
    expect(result.value).toBeLessThan(3);
    expect(result.aboveCount).toBe(6);
  });

  it('returns no value for a window without spread', () => {
    const result = findDynamicThreshold([2, 2, 2, 2], 4, params());
    expect(result.value).toBeUndefined();
    expect(result.std).toBe(0);
  });
});

describe('DynamicThreshold', () => {
  it('is undefined during warm-up and defined from the minScores-th score on', () => {
    const live = new DynamicThreshold(params({ minScores: 40 }));
    const scores = normalScores(60, 5);
    const thresholds = scores.map((s) => live.update(s));
    expect(thresholds.slice(0, 39).every((t) => t === undefined)).toBe(true);
    expect(thresholds.slice(39).every((t) => typeof t === 'number' && Number.isFinite(t))).toBe(true);
    expect(live.isWarm).toBe(true);
  });

  it('ignores non-finite scores instead of poisoning the window', () => {
    const live = new DynamicThreshold(params({ minScores: 10 }));
    for (const s of normalScores(20, 6)) live.update(s);
    expect(live.update(Number.NaN)).toBeUndefined();
    expect(live.history().every(Number.isFinite)).toBe(true);
    expect(Number.isFinite(live.update(1))).toBe(true);
  });

  it('flags a planted spike and little of the normal stretch', () => {
    const live = new DynamicThreshold(params());
    const scores = normalScores(600, 11);
    const spikeAt = 450;
    scores[spikeAt] = 4;
    let normalFlagged = 0;
    let judged = 0;
    let spikeRatio = 0;
    scores.forEach((score, i) => {
      const threshold = live.update(score);
      if (threshold === undefined) return;
      if (i === spikeAt) spikeRatio = score / threshold;
      else {
        judged += 1;
        if (score >= threshold) normalFlagged += 1;
      }
    });
    // Judged among its neighbours, a spike 3 units above normal is far above the threshold.
    expect(spikeRatio).toBeGreaterThan(1.5);
    expect(normalFlagged / judged).toBeLessThan(0.02);
  });

  it('never drops below the floor', () => {
    const live = new DynamicThreshold(params({ minScores: 10 }), 50);
    const thresholds = normalScores(100, 8).map((s) => live.update(s));
    expect(thresholds.slice(9).every((t) => t === 50)).toBe(true);
  });

  it('resumes from its history with the same thresholds as never stopping', () => {
    const scores = normalScores(300, 9);
    const uninterrupted = new DynamicThreshold(params());
    const expected = scores.map((s) => uninterrupted.update(s));
    const first = new DynamicThreshold(params());
    const before = scores.slice(0, 170).map((s) => first.update(s));
    const resumed = new DynamicThreshold(params(), undefined, JSON.parse(JSON.stringify(first.history())));
    const after = scores.slice(170).map((s) => resumed.update(s));
    expect([...before, ...after]).toEqual(expected);
  });
});
