// Node-only part of the model room: artifact directories on disk and training in a worker thread.
export { manifestFileName, readArtifactDir, weightsFileName, writeArtifactDir } from './artifact-files.js';
export type { LoadedModel, ModelRegistry } from './model-registry.js';
export { createModelRegistry, newModelVersion } from './model-registry.js';
export type { TrainInWorkerOptions } from './train-in-worker.js';
export { trainInWorker } from './train-in-worker.js';
