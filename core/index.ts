// Shared primitives every room may import; core imports nothing of ours.

export type { AlignedFrame, AlignedWindow, FrameSegment, FrameState, WindowState } from './aligned-window.js';
export { assetPatternsOverlap, isAssetGlob, matchesAssetPattern } from './asset-pattern.js';
export type { AssetStatus, Severity } from './asset-status.js';
export { assetStatusSchema, severitySchema } from './asset-status.js';
export type { Clock } from './clock.js';
export { ManualClock, systemClock } from './clock.js';
export type { EnvOverrideKey, LeafKind } from './config/env-override-keys.js';
export { envNameFor, listEnvOverrideKeys } from './config/env-override-keys.js';
export type { AppliedOverride, EnvOverrideSettings } from './config/env-overrides.js';
export type { ConfigLoaderSettings, ConfigSource, LoadedConfig } from './config/load-config.js';
export { loadConfig } from './config/load-config.js';
export type { ErrorCode, PipelineErrorOptions } from './errors.js';
export { errorCodes, isPipelineError, PipelineError, SinkThrottledError } from './errors.js';
export type { Logger, LogLevel } from './logger.js';
export { createRootLogger, createSilentLogger, redactPaths } from './logger.js';
export type {
  ArtifactRecord,
  ChannelScaling,
  ModelArtifactBytes,
  ModelKind,
  ModelTrainingInput,
  StoredManifest,
  StoredModel,
  TrainedModel,
  TrainingProgress,
  TrainingSummary,
  WindowReconstructor,
} from './model-kind.js';
export { defaultModelKindName, modelKindOf } from './model-kind.js';
export { quantileOfSorted } from './quantile.js';
export type { RateLimitedLog } from './rate-limited-log.js';
export { createRateLimitedLog } from './rate-limited-log.js';
export { recordOf } from './record-of.js';
export type { Rng, RngAlgorithm, RngOptions } from './rng.js';
export { createRng, deriveSeed, shuffleInPlace } from './rng.js';
export { Secret } from './secret.js';
export type { SecretInput } from './secret-schema.js';
export { secretSchema } from './secret-schema.js';
export type { MetricLabels, Telemetry } from './telemetry.js';
export { MemoryTelemetry, noopTelemetry } from './telemetry.js';
