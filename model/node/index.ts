// Node-only part of the model room: artifact directories on disk, the model registry and the
// operator's commands on it, and training in a worker thread.
export { manifestFileName, readArtifactDir, weightsFileName, writeArtifactDir } from './artifact-files.js';
export type { LoadedModel, ModelRegistry } from './model-registry.js';
export { createModelRegistry, newModelVersion } from './model-registry.js';
export type { ModelSummary } from './model-summary.js';
export { formatModelSummary, summarizeManifest } from './model-summary.js';
export type { ModelListing } from './registry-commands.js';
export { formatModelList, listModels, promoteModel, rollbackModel, showModel } from './registry-commands.js';
export type { RegistryConfig, S3RegistryConfig, S3RegistryLocation } from './registry-config.js';
export { registryConfigSchema, s3RegistryLocationOf } from './registry-config.js';
export type { S3ModelRegistry } from './s3-model-registry.js';
export { createS3ModelRegistry } from './s3-model-registry.js';
export type { TrainInWorkerOptions } from './train-in-worker.js';
export { trainInWorker } from './train-in-worker.js';
