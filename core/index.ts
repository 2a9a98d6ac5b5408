// Shared primitives every room may import; core imports nothing of ours.
export { PipelineError, SinkThrottledError, errorCodes, isPipelineError } from './errors.js';
export type { ErrorCode, PipelineErrorOptions } from './errors.js';
export { ManualClock, systemClock } from './clock.js';
export type { Clock } from './clock.js';
export { Secret } from './secret.js';
export { createRootLogger, createSilentLogger, redactPaths } from './logger.js';
export type { Logger, LogLevel } from './logger.js';
export { createRateLimitedLog } from './rate-limited-log.js';
export type { RateLimitedLog } from './rate-limited-log.js';
export { secretSchema } from './secret-schema.js';
export type { SecretInput } from './secret-schema.js';
