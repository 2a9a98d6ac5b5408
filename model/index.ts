// Public surface of the recurrence core. Node-only parts (artifact files, training worker) are in
// model/node/index.ts so this surface runs unchanged in a worker thread or a browser.

export type {
  ArtifactBytes,
  ArtifactManifest,
  DecodedArtifact,
  DecodeExpectations,
  ManifestFields,
} from './artifact.js';
export { artifactFormatVersion, decodeArtifact, encodeArtifact, manifestSchema } from './artifact.js';
export type { Autoencoder, DecoderFeeding } from './autoencoder.js';
export type { ModelConfig, TrainingConfig } from './config.js';
export { modelConfigObject, modelConfigSchema, trainingConfigSchema } from './config.js';
export type { CreateAutoencoderOptions } from './create-autoencoder.js';
export { createAutoencoder, defaultFeeding } from './create-autoencoder.js';
export type { ModelDims } from './dims.js';
export type { Normalizer } from './normalizer.js';
export { fitNormalizer, normalizeInto } from './normalizer.js';
export type { TensorSpec } from './params.js';
export { paramCount, paramLayout } from './params.js';
export type { Scorer, ScorerOptions, WindowScores } from './scorer.js';
export { createScorer } from './scorer.js';
export type { EpochLoss, TrainOptions, TrainProgress, TrainResult, TrainSummary } from './train.js';
export { trainAutoencoder } from './train.js';
