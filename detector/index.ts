// Public surface of detector/: residuals → scores → thresholds → alerts.
// Everything here is pure, but for the evaluation on labelled files, which reads them, writes its
// predictions and fits a model through its injected kind, and the model changes, which poll the
// registry on a timer and store model events; sinks (InfluxDB, webhooks, the embedded store) live
// in sinks/.

export { matchesAssetPattern } from '../core/index.js';
export type {
  AlertEvent,
  AlertEventType,
  AlertObservation,
  AssetStatus,
  ResolveReason,
  Severity,
} from './alert.js';
export { alertEventSchema, assetStatusSchema } from './alert.js';
export type { AssetStep, LifecycleStep } from './alert-lifecycle.js';
export { stepAlertLifecycle, stepAssetAlert } from './alert-lifecycle.js';
export type { AlertLifecycleState, AssetAlertState } from './alert-state.js';
export {
  alertStateVersion,
  createAlertLifecycleState,
  createAssetAlertState,
  restoreAlertState,
  serialiseAlertState,
} from './alert-state.js';
export type {
  AssetMonitor,
  AssetMonitorOptions,
  AssetSnapshot,
  MonitoredWindow,
  MonitorResult,
  MonitorState,
  ScoreVerdict,
} from './asset-monitor.js';
export { createAssetMonitor } from './asset-monitor.js';
export type { ChannelQualityEvent, ChannelSilenceTracker } from './channel-silence.js';
export { createChannelSilenceTracker } from './channel-silence.js';
export type {
  AlertsConfig,
  DetectorConfig,
  MachineOffRule,
  MaintenanceWindow,
  Silence,
  ThresholdConfig,
  ThresholdOverride,
} from './config.js';
export { detectorConfigSchema, scoringSchema, silenceSchema } from './config.js';
export type { ConfusionCounts, OutlierMetrics } from './evaluation/confusion.js';
export { countConfusion, outlierMetrics, sumConfusion } from './evaluation/confusion.js';
export type { EvalSection } from './evaluation/eval-preset.js';
export { evalPreset } from './evaluation/eval-preset.js';
export type { EvalSettings, SectionSchema } from './evaluation/eval-settings.js';
export { resolveEvalSettings } from './evaluation/eval-settings.js';
export type { FileFitting, ReplayedRows } from './evaluation/evaluate-file.js';
export type { EvaluationReport, FileReport } from './evaluation/evaluation-report.js';
export { NAB_WINDOW_MS } from './evaluation/evaluation-report.js';
export type { NabFileInput, NabOutcome, NabProfileName } from './evaluation/nab-score.js';
export { nabOutcome, nabProfiles, nabScores } from './evaluation/nab-score.js';
export { formatReportTable } from './evaluation/report-table.js';
export type {
  EvaluationDeps,
  EvaluationOptions,
  EvaluationRun,
  LabeledFiles,
  LabeledRows,
} from './evaluation/run-evaluation.js';
export { runEvaluation } from './evaluation/run-evaluation.js';
export { familyFigures, farBound, judgeRun, normalFamilies } from './evaluation/tuning-selection.js';
export type { ChannelShare, ResidualScorer, ResidualWindow, WindowScore } from './residual-scorer.js';
export { createResidualScorer } from './residual-scorer.js';
export type { ModelChanges, ModelChangesDeps } from './serving/model-changes.js';
export { createModelChanges } from './serving/model-changes.js';
export type { FramePoint, ReconstructingModel } from './serving/reconstruct-frames.js';
export { reconstructFrames } from './serving/reconstruct-frames.js';
export type {
  LoadedStoredModel,
  ModelChange,
  ModelSlot,
  ServedModel,
  ServedModels,
  ServedModelsDeps,
  ServingConfig,
  ServingRegistry,
} from './serving/served-models.js';
export { createServedModels } from './serving/served-models.js';
export type {
  KeptSilence,
  ListedSilence,
  SilenceRegistry,
  SilenceRegistryDeps,
  SilenceStore,
} from './silence-registry.js';
export { createSilenceRegistry } from './silence-registry.js';
export type { FrameValues, MachineOffVerdict, ResolvedMachineOffRule } from './suppression.js';
export {
  evaluateMachineOff,
  findMachineOff,
  findMaintenance,
  findSilence,
  pruneSilences,
  resolveMachineOffRules,
} from './suppression.js';
export type { AssetThresholds, JudgedScore } from './threshold/asset-thresholds.js';
export { createAssetThresholds } from './threshold/asset-thresholds.js';
export type { ScoringCalibration } from './threshold/calibrate-scoring.js';
export { calibrateScoring } from './threshold/calibrate-scoring.js';
export type { Calibration } from './threshold/calibrate-threshold.js';
export { calibrateThreshold, calibrationSchema } from './threshold/calibrate-threshold.js';
export { DynamicThreshold } from './threshold/dynamic-threshold.js';
export { resolveThreshold, scoreRatio } from './threshold/resolve-threshold.js';
