// The GRU autoencoder as a model kind: fits the normalizer and the autoencoder on curated windows,
// serves a stored one as a reconstructor, and says when a stored one can seed the next training.
// Training runs on this thread unless the caller hands in a runner for another one (model/node).
import {
  type ArtifactRecord,
  defaultModelKindName,
  type ModelKind,
  type StoredManifest,
  type StoredModel,
  type TrainedModel,
} from '../core/model-kind.js';
import {
  type ArtifactManifest,
  autoencoderOf,
  type DecodedArtifact,
  encodeArtifact,
  type ManifestFields,
} from './artifact.js';
import type { ModelConfig } from './config.js';
import { fitNormalizer, normalizeInto } from './normalizer.js';
import { createReconstructor } from './reconstructor.js';
import { type TrainOptions, type TrainProgress, type TrainResult, trainAutoencoder } from './train.js';

/** Trains off the calling thread: model/node's `trainInWorker` fits. */
export type TrainingRunner = (
  windows: Float32Array,
  options: Omit<TrainOptions, 'nowMs'>,
  onProgress?: (progress: TrainProgress) => void,
) => Promise<TrainResult>;

export interface GruKindOptions {
  /** Used when the caller asks to train off its thread; without it, training runs on this thread. */
  trainInWorker?: TrainingRunner;
}

const asDecoded = (stored: StoredModel): DecodedArtifact => stored as DecodedArtifact;

export function createGruKind(config: ModelConfig, options: GruKindOptions = {}): ModelKind {
  return {
    kind: defaultModelKindName,
    async train(input): Promise<TrainedModel> {
      const C = input.channels.length;
      const normalizer = fitNormalizer(input.rows, C, config.normalizer);
      const windows = input.windows;
      normalizeInto(windows, windows, normalizer);
      const training = config.training;
      const trainOptions: Omit<TrainOptions, 'nowMs'> = {
        dims: { C, T: input.T, H: config.hiddenSize },
        feeding: config.decoderFeeding,
        epochs: training.epochs,
        batchSize: training.batchSize,
        learningRate: training.learningRate,
        clipNorm: training.clipNorm,
        validationFraction: training.validationFraction,
        patience: training.patience,
        seed: training.seed,
        truncatedBpttSteps: training.truncatedBpttSteps,
        ...(input.warmStart === undefined
          ? {}
          : { initialParams: autoencoderOf(asDecoded(input.warmStart)).params }),
      };
      const trained =
        input.isInWorker && options.trainInWorker !== undefined
          ? await options.trainInWorker(windows, trainOptions, input.onProgress)
          : trainAutoencoder(windows, trainOptions, input.onProgress);
      return {
        normalizer,
        summary: trained.summary,
        reconstructor: createReconstructor(trained.model, { normalizer }),
        encode: (record: ArtifactRecord) =>
          encodeArtifact(trained.model, {
            ...record,
            normalizer,
            calibration: record.calibration as ManifestFields['calibration'],
          }),
      };
    },
    createReconstructor(stored) {
      return createReconstructor(autoencoderOf(asDecoded(stored)), {
        normalizer: stored.manifest.normalizer,
      });
    },
    canWarmStart(current, channels) {
      const m = current.manifest as ArtifactManifest;
      return (
        (m.kind ?? defaultModelKindName) === defaultModelKindName &&
        // Input and output weights, normalizer and calibration are per channel, by position.
        m.channels.length === channels.length &&
        m.channels.every((channel, c) => channel === channels[c]) &&
        m.dims.T === config.windowSteps &&
        m.dims.H === config.hiddenSize &&
        m.decoderFeeding === config.decoderFeeding
      );
    },
    describe(manifest: StoredManifest) {
      const m = manifest as ArtifactManifest;
      return `GRU autoencoder C=${m.dims.C} T=${m.dims.T} H=${m.dims.H}, decoder ${m.decoderFeeding}`;
    },
  };
}
