// Whether a retrained candidate may replace the current model: first from both
// models' figures on the same held-out data and the promotion policy, then,
// when it ran in shadow, from the alerts both raised on the same live windows.
// The reasons always carry the compared figures, so an operator sees why.
import type { PromotionPolicy } from './config.js';
import type { ModelEvaluation } from './evaluate-model.js';

export interface PromotionDecision {
  accept: boolean;
  /** One sentence per check, with the figures compared. */
  reasons: string[];
}

// Figures are ratios of window counts; this absorbs rounding in `a + b` so a
// candidate exactly at a limit is not refused by the last bit.
const tolerance = 1e-12;

const percent = (x: number): string => `${(x * 100).toFixed(1)} %`;
const points = (x: number): string => `${(x * 100).toFixed(1)} points`;
const figure = (x: number): string => (Number.isFinite(x) ? x.toPrecision(3) : String(x));

function nonFiniteFigures(evaluation: ModelEvaluation): string[] {
  const bad: string[] = [];
  if (!Number.isFinite(evaluation.falseAlarmRate)) bad.push(`false-alarm rate ${evaluation.falseAlarmRate}`);
  if (!Number.isFinite(evaluation.meanError)) bad.push(`mean error ${evaluation.meanError}`);
  if (!Number.isFinite(evaluation.threshold)) bad.push(`threshold ${evaluation.threshold}`);
  if (evaluation.incidentRecall !== null && !Number.isFinite(evaluation.incidentRecall))
    bad.push(`incident recall ${evaluation.incidentRecall}`);
  return bad;
}

/**
 * Refuses a candidate with a non-finite figure (diverged) or no held-out
 * windows. Against a current model it must not raise the false-alarm rate by
 * more than `maxFalseAlarmRateIncrease`, its mean error must stay within
 * `maxErrorRatio` times the current one, and where both saw incidents its
 * recall may drop by at most `maxIncidentRecallDrop`. Without a current model
 * (or one whose figures are unusable) its false-alarm rate must not exceed
 * `maxFalseAlarmRate`.
 */
export function decidePromotion(
  current: ModelEvaluation | undefined,
  candidate: ModelEvaluation,
  policy: PromotionPolicy,
): PromotionDecision {
  if (candidate.windows === 0)
    return { accept: false, reasons: ['no held-out windows to evaluate the candidate on'] };
  const diverged = nonFiniteFigures(candidate);
  if (diverged.length > 0)
    return {
      accept: false,
      reasons: [`candidate diverged: ${diverged.join(', ')} on ${candidate.windows} held-out windows`],
    };

  const reasons: string[] = [];
  let accept = true;
  const check = (isWithin: boolean, sentence: string): void => {
    if (!isWithin) accept = false;
    reasons.push(sentence);
  };

  const currentProblems =
    current === undefined
      ? ['there is no current model']
      : current.windows === 0
        ? ['the current model has no held-out windows']
        : nonFiniteFigures(current).map((f) => `the current model's ${f}`);

  if (current === undefined || currentProblems.length > 0) {
    if (current !== undefined) reasons.push(`${currentProblems.join(', ')}: judged as a first model`);
    const isWithin = candidate.falseAlarmRate <= policy.maxFalseAlarmRate + tolerance;
    check(
      isWithin,
      `false-alarm rate ${percent(candidate.falseAlarmRate)} on ${candidate.windows} held-out windows, ${isWithin ? 'within' : 'above'} the limit of ${percent(policy.maxFalseAlarmRate)} for a first model`,
    );
    reasons.push(`mean error ${figure(candidate.meanError)}`);
    if (candidate.incidentRecall !== null)
      reasons.push(
        `incident recall ${percent(candidate.incidentRecall)} on ${candidate.incidentWindows} incident windows`,
      );
    return { accept, reasons };
  }

  const farLimit = current.falseAlarmRate + policy.maxFalseAlarmRateIncrease;
  const isFarWithin = candidate.falseAlarmRate <= farLimit + tolerance;
  check(
    isFarWithin,
    `false-alarm rate ${percent(candidate.falseAlarmRate)} vs ${percent(current.falseAlarmRate)} for the current model, ${isFarWithin ? 'within' : 'above'} the allowed increase of ${points(policy.maxFalseAlarmRateIncrease)}`,
  );

  const ratio =
    current.meanError > 0
      ? candidate.meanError / current.meanError
      : candidate.meanError === 0
        ? 1
        : Number.POSITIVE_INFINITY;
  // False alarms are what operators live with; the reconstruction error decides only between two
  // models that raise about as many (a candidate with clearly fewer false alarms wins even when its
  // errors are larger in the current model's units, e.g. because it also learned a wider range).
  const isClearlyFewerAlarms =
    candidate.falseAlarmRate < current.falseAlarmRate - policy.maxFalseAlarmRateIncrease - tolerance;
  const isErrorWithin = candidate.meanError <= current.meanError * policy.maxErrorRatio * (1 + tolerance);
  check(
    isErrorWithin || isClearlyFewerAlarms,
    `mean error ${figure(candidate.meanError)} vs ${figure(current.meanError)} for the current model, ratio ${figure(ratio)} ${isErrorWithin ? 'within' : 'above'} the allowed ${figure(policy.maxErrorRatio)}${!isErrorWithin && isClearlyFewerAlarms ? ', accepted for clearly fewer false alarms' : ''}`,
  );

  if (candidate.incidentRecall !== null && current.incidentRecall !== null) {
    const isRecallWithin =
      candidate.incidentRecall >= current.incidentRecall - policy.maxIncidentRecallDrop - tolerance;
    check(
      isRecallWithin,
      `incident recall ${percent(candidate.incidentRecall)} vs ${percent(current.incidentRecall)} for the current model on ${candidate.incidentWindows} incident windows, ${isRecallWithin ? 'within' : 'below'} the allowed drop of ${points(policy.maxIncidentRecallDrop)}`,
    );
  } else {
    reasons.push('incident recall not compared: no incident windows for both models');
  }
  return { accept, reasons };
}

/** After a shadow period: the candidate passes when it would have opened no more alerts than the current model did. */
export function decideAfterShadow(counts: { candidateAlerts: number; currentAlerts: number }): {
  accept: boolean;
  reason: string;
} {
  return {
    accept: counts.candidateAlerts <= counts.currentAlerts,
    reason: `in shadow the candidate would have opened ${counts.candidateAlerts} alert(s), the current model opened ${counts.currentAlerts}`,
  };
}
