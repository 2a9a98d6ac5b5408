// Public surface of detector/retraining/: which frames a model is retrained on,
// how a candidate is evaluated against the current model, and whether it is
// promoted. Pure functions; the retraining job in bin/ does the I/O.

export type { AlertPeriod } from './alert-periods.js';
export { alertPeriods } from './alert-periods.js';
export type { PromotionPolicy, RetrainingConfig, RetrainingSettings } from './config.js';
export { retrainingConfigSchema, retrainingSettingsFor } from './config.js';
export type {
  EvaluateOptions,
  ModelEvaluation,
  ModelUnderTest,
  WindowReconstructor,
  WindowSequence,
} from './evaluate-model.js';
export { evaluateModel } from './evaluate-model.js';
export type { OperatorLabel, OperatorLabelKind } from './operator-label.js';
export { operatorLabelSchema } from './operator-label.js';
export type { PromotionDecision } from './promotion-decision.js';
export { decidePromotion } from './promotion-decision.js';
export type {
  ExclusionReason,
  SelectedFrames,
  SelectTrainingFramesInput,
  SilencePeriod,
  TrainingExclusions,
} from './select-training-frames.js';
export { selectTrainingFrames } from './select-training-frames.js';
export type { FramePart, HoldoutSplit } from './split-holdout.js';
export { splitNewest } from './split-holdout.js';
