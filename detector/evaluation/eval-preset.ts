// The settings `gruwatch eval` uses unless a config file's `model` and
// `detector` sections say otherwise: one setting for every file, chosen once
// (see README.md here for how), never per file and never from labels.
import { z } from 'zod';

/** Knobs of the harness itself (the `eval` section of a config file), not of the live service. */
export const evalSectionSchema = z.strictObject({
  holdoutFraction: z
    .number()
    .gt(0)
    .lt(1)
    .describe(
      "Share of the training rows' complete windows, the newest, held out from fitting to calibrate the threshold (`fitModel`'s calibration fraction).",
    ),
});

export type EvalSection = z.infer<typeof evalSectionSchema>;

/** Raw (unparsed) preset sections; a config file's sections are merged over them key by key. */
export const evalPreset = {
  model: {
    windowSteps: 16,
    // A window ends at every row, so every row has a status of its own.
    hopSteps: 1,
    hiddenSize: 32,
    decoderFeeding: 'teacher-forcing',
    training: { epochs: 100, batchSize: 32, learningRate: 0.005, validationFraction: 0.2, patience: 10 },
    normalizer: { stdFloor: true, relativeScaleFloor: 0.03 },
  },
  detector: {
    scoring: {
      aggregate: 'mse_last_hop',
      hopSteps: 1,
      ewmaAlpha: 0.3,
      channelNormalization: 'calibrated',
      channelSpreadFloor: 0.25,
      channelAggregate: 'max',
      reanchor: {
        fastAlpha: 0.05,
        steadyTolerance: 0.5,
        steadyMs: 30_000,
        maxOffset: 2.5,
        reversalRatio: 0.7,
        gradualStep: 0.25,
      },
    },
    threshold: { type: 'mean_k_sigma', k: 3.25, robust: true },
    alerts: {
      minAboveMs: 7_000,
      clearBelowMs: 20_000,
      hysteresis: 0.9,
      fastClearRatio: 0.9,
      fastClearMs: 6_000,
      cooldownMs: 0,
      flapping: { enabled: false },
    },
  },
  eval: { holdoutFraction: 0.4 },
} as const;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Objects merge key by key; any other value in `over` replaces the one in `base`, and so does
 * an object that selects another variant (`type`) than the preset's.
 */
export function mergeSections(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  if ('type' in over && over.type !== base.type) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = mergeSections(base[k], v);
  return out;
}
