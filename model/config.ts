// The `model` section of the gruwatch configuration: window shape, network size, decoder feeding
// and training hyperparameters. The schema is the type, the validator, the defaults and the docs.
import { z } from 'zod';

export const trainingConfigSchema = z
  .strictObject({
    epochs: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(40)
      .describe('Maximum number of passes over the training windows.'),
    batchSize: z
      .number()
      .int()
      .min(1)
      .max(4096)
      .default(64)
      .describe('Windows per optimizer step (mini-batch size).'),
    learningRate: z.number().positive().max(1).default(0.003).describe('Adam step size.'),
    clipNorm: z
      .number()
      .min(0)
      .default(1)
      .describe('Largest allowed global L2 norm of the gradient before each step; 0 disables clipping.'),
    validationFraction: z
      .number()
      .min(0)
      .max(0.9)
      .default(0.2)
      .describe(
        'Share of the windows held out to measure validation loss and stop early; 0 trains on all windows.',
      ),
    patience: z
      .number()
      .int()
      .min(0)
      .default(6)
      .describe('Epochs without a better validation loss before training stops; 0 never stops early.'),
    seed: z
      .number()
      .int()
      .min(0)
      .max(0xffffffff)
      .default(1)
      .describe('Seed for initialisation and shuffling; the same seed and data give the same weights.'),
    truncatedBpttSteps: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe(
        'Cut backpropagation through time every this many steps to save time on long windows; 0 uses full BPTT.',
      ),
  })
  .describe('How the retraining job fits the autoencoder.');

export const normalizerConfigSchema = z
  .strictObject({
    stdFloor: z
      .boolean()
      .default(false)
      .describe(
        "Raise each channel's scale to at least its standard deviation over the training rows, so a quantized channel that sits on one level most of the time (robust scale near 0) does not turn each step into hundreds of units.",
      ),
    relativeScaleFloor: z
      .number()
      .min(0)
      .max(1)
      .default(0)
      .describe(
        "Raise each channel's scale to at least this fraction of the channel's median magnitude: changes smaller than a sensor's accuracy class (a few percent) are not evidence, and a short training stretch underestimates how far slow channels wander; 0 disables it.",
      ),
  })
  .describe(
    "How each channel's scaling is fitted on the training rows (median and IQR/1.349, with optional floors).",
  );

/** The model section's keys, before the cross-key rule; the service's root schema derives its window keys. */
export const modelConfigObject = z
  .strictObject({
    windowSteps: z
      .number()
      .int()
      .min(2)
      .max(4096)
      .default(64)
      .describe('Steps per window (T): how many aligned rows the model reconstructs at once.'),
    hopSteps: z
      .number()
      .int()
      .min(1)
      .max(4096)
      .default(16)
      .describe('Steps between the starts of consecutive windows; at most windowSteps.'),
    hiddenSize: z
      .number()
      .int()
      .min(1)
      .max(1024)
      .default(32)
      .describe('Hidden units (H) of the encoder and decoder GRU; the latent has this many numbers.'),
    decoderFeeding: z
      .enum(['latent-only', 'teacher-forcing'])
      .default('latent-only')
      .describe(
        'What the decoder reads at each step: latent-only feeds zeros so the reconstruction passes through the latent alone; teacher-forcing feeds the previous true sample.',
      ),
    registryDir: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Directory of the model registry (versioned artifacts per model name); defaults to the models folder inside dataDir.',
      ),
    training: trainingConfigSchema.prefault({}),
    normalizer: normalizerConfigSchema.prefault({}),
  })
  .describe('The GRU autoencoder that reconstructs each window and the way it is trained.');

export const modelConfigSchema = modelConfigObject
  .refine((c) => c.hopSteps <= c.windowSteps, {
    message: 'model.hopSteps must not exceed model.windowSteps; lower hopSteps or raise windowSteps',
    path: ['hopSteps'],
  })
  .describe('The GRU autoencoder that reconstructs each window and the way it is trained.');

export type ModelConfig = z.infer<typeof modelConfigSchema>;
export type TrainingConfig = z.infer<typeof trainingConfigSchema>;
export type NormalizerConfig = z.infer<typeof normalizerConfigSchema>;
