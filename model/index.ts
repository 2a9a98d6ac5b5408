// Public surface of the recurrence core. Node-only parts (artifact files, training worker) are in
// model/node/index.ts so this surface runs unchanged in a worker thread or a browser.

export type {
  ArtifactBytes,
  ArtifactManifest,
  DecodedArtifact,
  DecodeExpectations,
  KindWeights,
  ManifestFields,
} from './artifact.js';
export {
  artifactFormatVersion,
  decodeArtifact,
  decodeKindArtifact,
  encodeArtifact,
  encodeKindArtifact,
  manifestSchema,
} from './artifact.js';
export type { Autoencoder, DecoderFeeding } from './autoencoder.js';
export type { ModelConfig, TrainingConfig } from './config.js';
export { modelConfigObject, modelConfigSchema, trainingConfigSchema } from './config.js';
export type { CreateAutoencoderOptions } from './create-autoencoder.js';
export { createAutoencoder, defaultFeeding } from './create-autoencoder.js';
export type { ModelDims } from './dims.js';
export type { GruKindOptions, TrainingRunner } from './gru-kind.js';
export { createGruKind } from './gru-kind.js';
export type { Normalizer } from './normalizer.js';
export { fitNormalizer, normalizeInto } from './normalizer.js';
export type { TensorSpec } from './params.js';
export { paramCount, paramLayout } from './params.js';
export type { Reconstructor, ReconstructorOptions, WindowReconstruction } from './reconstructor.js';
export { createReconstructor } from './reconstructor.js';
export type { EpochLoss, TrainOptions, TrainProgress, TrainResult, TrainSummary } from './train.js';
export { trainAutoencoder } from './train.js';
