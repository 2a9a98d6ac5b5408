// Promotion decision, table-driven: each policy limit at, just inside and just past its edge,
// divergence, an empty holdout, a first model, and reasons that carry the figures.
import { describe, expect, it } from 'vitest';
import { type PromotionPolicy, promotionPolicySchema } from './config.js';
import type { ModelEvaluation } from './evaluate-model.js';
import { decidePromotion } from './promotion-decision.js';

const policy: PromotionPolicy = promotionPolicySchema.parse({
  maxFalseAlarmRateIncrease: 0.01,
  maxErrorRatio: 1.1,
  maxIncidentRecallDrop: 0.05,
  maxFalseAlarmRate: 0.05,
});

function evaluation(overrides: Partial<ModelEvaluation> = {}): ModelEvaluation {
  return {
    windows: 1_000,
    falseAlarmRate: 0.02,
    meanError: 0.1,
    incidentWindows: 0,
    incidentRecall: null,
    threshold: 0.5,
    ...overrides,
  };
}

const current = evaluation({ incidentWindows: 100, incidentRecall: 0.9 });

describe('decidePromotion against a current model', () => {
  it.each<[string, Partial<ModelEvaluation>, boolean, RegExp]>([
    ['the same figures', {}, true, /false-alarm rate 2\.0 % vs 2\.0 % for the current model, within/],
    [
      'a false-alarm rate at the allowed increase',
      { falseAlarmRate: 0.03 },
      true,
      /3\.0 % vs 2\.0 %.*within/,
    ],
    [
      'a false-alarm rate past the allowed increase',
      { falseAlarmRate: 0.031 },
      false,
      /3\.1 % vs 2\.0 %.*above the allowed increase of 1\.0 points/,
    ],
    ['a lower false-alarm rate', { falseAlarmRate: 0.004 }, true, /0\.4 % vs 2\.0 %/],
    [
      'a mean error at the allowed ratio',
      { meanError: 0.11 },
      true,
      /mean error 0\.110 vs 0\.100 .*ratio 1\.10 within/,
    ],
    [
      'a mean error past the allowed ratio',
      { meanError: 0.1101 },
      false,
      /mean error 0\.110 vs 0\.100 .*ratio 1\.10 above the allowed 1\.10/,
    ],
    ['a much lower mean error', { meanError: 0.05 }, true, /ratio 0\.500 within/],
    [
      'incident recall at the allowed drop',
      { incidentRecall: 0.85 },
      true,
      /incident recall 85\.0 % vs 90\.0 %.*within/,
    ],
    [
      'incident recall past the allowed drop',
      { incidentRecall: 0.84 },
      false,
      /incident recall 84\.0 % vs 90\.0 % .*below the allowed drop of 5\.0 points/,
    ],
  ])('%s', (_name, candidate, accept, reason) => {
    const decision = decidePromotion(
      current,
      evaluation({ incidentWindows: 100, incidentRecall: 0.9, ...candidate }),
      policy,
    );
    expect(decision.accept).toBe(accept);
    expect(decision.reasons.join('\n')).toMatch(reason);
    expect(decision.reasons).toHaveLength(3);
  });

  it('refuses when any one check fails, and lists every check', () => {
    const decision = decidePromotion(
      current,
      evaluation({ falseAlarmRate: 0.02, meanError: 0.2, incidentWindows: 100, incidentRecall: 1 }),
      policy,
    );
    expect(decision.accept).toBe(false);
    expect(decision.reasons).toEqual([
      'false-alarm rate 2.0 % vs 2.0 % for the current model, within the allowed increase of 1.0 points',
      'mean error 0.200 vs 0.100 for the current model, ratio 2.00 above the allowed 1.10',
      'incident recall 100.0 % vs 90.0 % for the current model on 100 incident windows, within the allowed drop of 5.0 points',
    ]);
  });

  it('lets clearly fewer false alarms outweigh a larger reconstruction error', () => {
    const decision = decidePromotion(
      evaluation({ falseAlarmRate: 1, meanError: 0.03 }),
      evaluation({ falseAlarmRate: 0.3, meanError: 0.06 }),
      policy,
    );
    expect(decision.accept).toBe(true);
    expect(decision.reasons[1]).toBe(
      'mean error 0.0600 vs 0.0300 for the current model, ratio 2.00 above the allowed 1.10, accepted for clearly fewer false alarms',
    );
    // Fewer, but not by more than the allowed increase: the error decides.
    const close = decidePromotion(
      evaluation({ falseAlarmRate: 0.05, meanError: 0.03 }),
      evaluation({ falseAlarmRate: 0.045, meanError: 0.06 }),
      policy,
    );
    expect(close.accept).toBe(false);
  });

  it('does not compare incident recall unless both models saw incidents', () => {
    const withoutCandidateIncidents = decidePromotion(current, evaluation({ incidentRecall: null }), policy);
    expect(withoutCandidateIncidents.accept).toBe(true);
    expect(withoutCandidateIncidents.reasons[2]).toBe(
      'incident recall not compared: no incident windows for both models',
    );
    const withoutCurrentIncidents = decidePromotion(
      evaluation(),
      evaluation({ incidentWindows: 5, incidentRecall: 0 }),
      policy,
    );
    expect(withoutCurrentIncidents.accept).toBe(true);
  });

  it('accepts a perfect candidate against a perfect current model', () => {
    const perfect = evaluation({ falseAlarmRate: 0, meanError: 0 });
    const decision = decidePromotion(perfect, perfect, policy);
    expect(decision.accept).toBe(true);
    expect(decision.reasons[1]).toMatch(/ratio 1\.00 within/);
  });

  it('refuses any candidate error against a current error of 0', () => {
    const decision = decidePromotion(evaluation({ meanError: 0 }), evaluation({ meanError: 1e-9 }), policy);
    expect(decision.accept).toBe(false);
    expect(decision.reasons[1]).toMatch(/ratio Infinity above/);
  });
});

describe('decidePromotion refuses broken candidates', () => {
  it.each<[string, Partial<ModelEvaluation>, RegExp]>([
    [
      'a NaN mean error',
      { meanError: Number.NaN },
      /candidate diverged: mean error NaN on 1000 held-out windows/,
    ],
    ['an infinite mean error', { meanError: Number.POSITIVE_INFINITY }, /diverged: mean error Infinity/],
    ['a NaN false-alarm rate', { falseAlarmRate: Number.NaN }, /diverged: false-alarm rate NaN/],
    ['a NaN threshold', { threshold: Number.NaN }, /diverged: threshold NaN/],
    [
      'a NaN incident recall',
      { incidentWindows: 3, incidentRecall: Number.NaN },
      /diverged: incident recall NaN/,
    ],
    ['no held-out windows', { windows: 0 }, /no held-out windows to evaluate the candidate on/],
  ])('%s', (_name, candidate, reason) => {
    for (const against of [current, undefined]) {
      const decision = decidePromotion(against, evaluation(candidate), policy);
      expect(decision.accept).toBe(false);
      expect(decision.reasons.join('\n')).toMatch(reason);
    }
  });
});

describe('decidePromotion without a usable current model', () => {
  it.each<[string, ModelEvaluation | undefined, Partial<ModelEvaluation>, boolean, RegExp]>([
    [
      'first model within the limit',
      undefined,
      { falseAlarmRate: 0.05 },
      true,
      /false-alarm rate 5\.0 % on 1000 held-out windows, within the limit of 5\.0 % for a first model/,
    ],
    [
      'first model past the limit',
      undefined,
      { falseAlarmRate: 0.051 },
      false,
      /5\.1 % on 1000 held-out windows, above the limit of 5\.0 %/,
    ],
    ['first model with a high error', undefined, { meanError: 50 }, true, /mean error 50\.0/],
    [
      'current model diverged',
      evaluation({ meanError: Number.NaN }),
      { falseAlarmRate: 0.04, meanError: 9 },
      true,
      /the current model's mean error NaN: judged as a first model/,
    ],
    [
      'current model had no windows',
      evaluation({ windows: 0 }),
      { falseAlarmRate: 0.06 },
      false,
      /the current model has no held-out windows: judged as a first model/,
    ],
  ])('%s', (_name, against, candidate, accept, reason) => {
    const decision = decidePromotion(against, evaluation(candidate), policy);
    expect(decision.accept).toBe(accept);
    expect(decision.reasons.join('\n')).toMatch(reason);
  });

  it('lists the incident recall of a first model', () => {
    const decision = decidePromotion(
      undefined,
      evaluation({ incidentWindows: 40, incidentRecall: 0.75 }),
      policy,
    );
    expect(decision.reasons).toContain('incident recall 75.0 % on 40 incident windows');
  });

  it('uses the policy defaults as configured', () => {
    const defaults = promotionPolicySchema.parse({});
    expect(decidePromotion(undefined, evaluation({ falseAlarmRate: 0.1 }), defaults).accept).toBe(true);
    expect(decidePromotion(undefined, evaluation({ falseAlarmRate: 0.1001 }), defaults).accept).toBe(false);
    expect(decidePromotion(current, evaluation({ falseAlarmRate: 0.026 }), defaults).accept).toBe(false);
    expect(
      decidePromotion(current, evaluation({ falseAlarmRate: 0.025, meanError: 0.11 }), defaults).accept,
    ).toBe(true);
  });
});
