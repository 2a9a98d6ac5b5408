// Public surface of detector/retraining/: fitting a model through its kind,
// which frames a model is retrained on, the retraining job, how a candidate is
// evaluated against the current model, and whether it is promoted.

export type { FrameSegment } from '../../core/index.js';
export type { AlertPeriod } from './alert-periods.js';
export { alertPeriods } from './alert-periods.js';
export type { PromotionPolicy, RetrainingConfig, RetrainingSettings } from './config.js';
export { retrainingConfigSchema, retrainingSettingsFor } from './config.js';
export type {
  EvaluateOptions,
  ModelEvaluation,
  ModelUnderTest,
  WindowSequence,
} from './evaluate-model.js';
export { evaluateModel } from './evaluate-model.js';
export type { FitModelInput, FitModelResult } from './fit-model.js';
export { completeWindowStarts, fitModel } from './fit-model.js';
export type { OperatorLabel, OperatorLabelKind } from './operator-label.js';
export { operatorLabelSchema } from './operator-label.js';
export type { PromotionDecision } from './promotion-decision.js';
export { decideAfterShadow, decidePromotion } from './promotion-decision.js';
export type { RetrainChildMessage } from './retrain-in-child.js';
export { runRetrainJobInChild, serveRetrainJobInChild } from './retrain-in-child.js';
export type {
  RetrainFrameSource,
  RetrainJobDeps,
  RetrainJobInput,
  RetrainJobResult,
  RetrainSelectionSummary,
} from './retrain-job.js';
export { runRetrainJob } from './retrain-job.js';
export type {
  Retrainer,
  RetrainerDeps,
  RetrainerSettings,
  RetrainOutcome,
  RetrainRegistry,
  RetrainStatus,
  ServedModelPort,
  ServedModelsPort,
} from './retrainer.js';
export { createRetrainer } from './retrainer.js';
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
