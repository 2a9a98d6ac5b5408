// Scoring: aggregates by hand, contributions sum to 1, the planted channel is on top, EWMA, bad input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng, isPipelineError } from '../core/index.js';
import { createResidualScorer, type ResidualWindow } from './residual-scorer.js';

const channels = ['temp', 'pressure', 'vibration', 'speed'];

function noiseWindow(T: number, C: number, seed: number, scale = 0.05): Float32Array {
  const next = createRng(seed).next;
  const residuals = new Float32Array(T * C);
  for (let i = 0; i < residuals.length; i++) residuals[i] = (next() - 0.5) * 2 * scale;
  return residuals;
}

function windowOf(residuals: Float32Array, T: number, C = channels.length): ResidualWindow {
  return { assetId: 'pump-1', residuals, T, C, channels: channels.slice(0, C) };
}

describe('createResidualScorer', () => {
  it('puts the channel with the planted residual on top, with most of the share', () => {
    const T = 20;
    const residuals = noiseWindow(T, 4, 1);
    for (let t = T - 5; t < T; t++) residuals[t * 4 + 2] = 1.5; // vibration deviates in the last hop
    const scorer = createResidualScorer({
      scoring: { aggregate: 'mse_last_hop', hopSteps: 5 },
      topChannels: 2,
    });
    const result = scorer.score(windowOf(residuals, T));
    expect(result.topChannels[0].channel).toBe('vibration');
    expect(result.topChannels[0].share).toBeGreaterThan(0.9);
    expect(result.topChannels).toHaveLength(2);
    expect(result.topChannels[1].share).toBeLessThanOrEqual(result.topChannels[0].share);
  });

  it('computes the three aggregates as defined', () => {
    // T=3, C=2: rows [1, 1], [0, 2], [3, 0] → step mse 1, 2, 4.5
    const residuals = Float32Array.from([1, 1, 0, 2, 3, 0]);
    const score = (aggregate: 'mse_last_hop' | 'mse_window' | 'max_step_mse', hopSteps = 1) =>
      createResidualScorer({ scoring: { aggregate, hopSteps }, topChannels: 2 }).score(
        windowOf(residuals, 3, 2),
      );
    expect(score('mse_window').score).toBeCloseTo((1 + 1 + 0 + 4 + 9 + 0) / 6, 12);
    expect(score('mse_last_hop', 2).score).toBeCloseTo((0 + 4 + 9 + 0) / 4, 12);
    const max = score('max_step_mse');
    expect(max.score).toBeCloseTo(4.5, 12);
    expect(Array.from(max.contributions)).toEqual([1, 0]);
    expect(Array.from(max.stepSquaredError)).toEqual([1, 2, 4.5]);
  });

  it('gives contributions that sum to 1 for any residuals', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer(),
        fc.constantFrom('mse_last_hop' as const, 'mse_window' as const, 'max_step_mse' as const),
        (T, C, seed, aggregate) => {
          const scorer = createResidualScorer({ scoring: { aggregate, hopSteps: 1 }, topChannels: 3 });
          const result = scorer.score({
            assetId: 'a',
            residuals: noiseWindow(T, C, seed, 3),
            T,
            C,
            channels: Array.from({ length: C }, (_, c) => `ch${c}`),
          });
          const sum = result.contributions.reduce((a, b) => a + b, 0);
          expect(sum).toBeCloseTo(1, 9);
          expect(result.score).toBeGreaterThanOrEqual(0);
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });

  it('splits a perfect reconstruction evenly so shares still sum to 1', () => {
    const scorer = createResidualScorer({
      scoring: { aggregate: 'mse_window', hopSteps: 1 },
      topChannels: 4,
    });
    const result = scorer.score(windowOf(new Float32Array(8), 2));
    expect(result.score).toBe(0);
    expect(Array.from(result.contributions)).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('smooths per asset with an EWMA and resumes from a snapshot', () => {
    const scoring = { aggregate: 'mse_window' as const, hopSteps: 1, ewmaAlpha: 0.5 };
    const scorer = createResidualScorer({ scoring, topChannels: 1 });
    const ones = windowOf(Float32Array.from([1, 1, 1, 1]), 1);
    const threes = windowOf(Float32Array.from([3, 3, 3, 3]), 1);
    expect(scorer.score(ones).score).toBe(1);
    const second = scorer.score(threes);
    expect(second.rawScore).toBe(9);
    expect(second.score).toBe(5); // 0.5·9 + 0.5·1
    // Another asset starts its own average.
    expect(scorer.score({ ...threes, assetId: 'pump-2' }).score).toBe(9);
    const resumed = createResidualScorer({ scoring, topChannels: 1, ewma: scorer.ewmaSnapshot() });
    expect(resumed.score(ones).score).toBe(3); // 0.5·1 + 0.5·5
  });

  it('rejects malformed windows with a coded error naming the field', () => {
    const scorer = createResidualScorer({
      scoring: { aggregate: 'mse_last_hop', hopSteps: 4 },
      topChannels: 1,
    });
    const cases: Array<[ResidualWindow, string]> = [
      [windowOf(new Float32Array(7), 2), 'length 7'],
      [{ ...windowOf(new Float32Array(8), 2), channels: ['a'] }, 'channels'],
      [windowOf(new Float32Array(8), 2), 'scoring.hopSteps (4)'],
      [
        windowOf(Float32Array.from([0, 0, 0, 0, 0, 0, Number.NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 4),
        '"vibration"',
      ],
    ];
    for (const [window, text] of cases) {
      try {
        scorer.score(window);
        expect.unreachable(`accepted a window that should fail with ${text}`);
      } catch (err) {
        expect(isPipelineError(err, 'DETECTOR_INPUT_INVALID')).toBe(true);
        expect((err as Error).message).toContain(text);
      }
    }
  });

  it('divides each channel by its spread before combining, and takes the max over channels when asked', () => {
    // T=2, C=2: rows [1, 2], [3, 4]; spreads 1 and 4 → squared errors [1, 1], [9, 4].
    const residuals = Float32Array.from([1, 2, 3, 4]);
    const window = windowOf(residuals, 2, 2);
    const score = (channelAggregate: 'mean' | 'max', channelSpread?: number[]) =>
      createResidualScorer({
        scoring: { aggregate: 'mse_window', hopSteps: 1, channelAggregate },
        topChannels: 2,
        ...(channelSpread !== undefined ? { channelSpread } : {}),
      }).score(window);
    // Raw: channel means (1 + 9)/2 = 5 and (4 + 16)/2 = 10.
    expect(score('mean').score).toBeCloseTo(7.5, 12);
    expect(score('max').score).toBeCloseTo(10, 12);
    // Normalized: 5 and 10/4 = 2.5.
    const normalized = score('mean', [1, 4]);
    expect(normalized.score).toBeCloseTo(3.75, 12);
    expect(Array.from(normalized.channelSquaredError)).toEqual([5, 2.5]);
    expect(Array.from(normalized.stepSquaredError)).toEqual([1, 6.5]);
    expect(normalized.topChannels[0]!.channel).toBe('temp');
    expect(normalized.contributions[0]).toBeCloseTo(5 / 7.5, 12);
    expect(score('max', [1, 4]).score).toBeCloseTo(5, 12);
  });

  it.each([
    // T=1, C=4: squared errors 16, 1, 9, 4 (channel order must not matter).
    { name: 'two largest of four', residuals: [4, 1, 3, 2], C: 4, expected: (16 + 9) / 2 },
    { name: 'largest first, second last', residuals: [3, 0, 0, 2], C: 4, expected: (9 + 4) / 2 },
    { name: 'a tie at the top', residuals: [2, 2, 1, 0], C: 4, expected: 4 },
    { name: 'one channel counts alone', residuals: [3], C: 1, expected: 9 },
  ])('top2_mean averages the two largest channel errors: $name', ({ residuals, C, expected }) => {
    const scored = createResidualScorer({
      scoring: { aggregate: 'mse_last_hop', hopSteps: 1, channelAggregate: 'top2_mean' },
      topChannels: 1,
    }).score(windowOf(Float32Array.from(residuals), 1, C));
    expect(scored.score).toBeCloseTo(expected, 12);
  });

  it('top2_mean halves a deviation on one channel that max counts in full', () => {
    const window = windowOf(Float32Array.from([0.1, 0.1, 4, 0.1]), 1, 4);
    const score = (channelAggregate: 'max' | 'top2_mean') =>
      createResidualScorer({
        scoring: { aggregate: 'mse_last_hop', hopSteps: 1, channelAggregate },
        topChannels: 1,
        channelSpread: [1, 1, 1, 1],
      }).score(window).score;
    expect(score('max')).toBeCloseTo(16, 6);
    expect(score('top2_mean')).toBeCloseTo((16 + 0.01) / 2, 6);
  });

  it('rejects channel spreads that are not positive or do not match the window', () => {
    const scoring = { aggregate: 'mse_window' as const, hopSteps: 1 };
    expect(() => createResidualScorer({ scoring, topChannels: 1, channelSpread: [1, 0] })).toThrow(
      /channelSpread .* entry 1 is 0/,
    );
    const scorer = createResidualScorer({ scoring, topChannels: 1, channelSpread: [1, 2, 3] });
    try {
      scorer.score(windowOf(new Float32Array(8), 2, 4));
      expect.unreachable('accepted spreads for 3 channels on a window of 4');
    } catch (err) {
      expect(isPipelineError(err, 'DETECTOR_INPUT_INVALID')).toBe(true);
      expect((err as Error).message).toMatch(/channelSpread holds 3 values .* C = 4/);
    }
  });
});
