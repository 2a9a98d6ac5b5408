// The settings `gruwatch eval` uses unless a config file's `model` and
// `detector` sections say otherwise: one setting for every file, chosen once
// (see bin/eval/README.md for how), never per file and never from labels.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { PipelineError } from '../../core/index.js';
import { type DetectorConfig, detectorConfigSchema } from '../../detector/index.js';
import { type ModelConfig, modelConfigSchema } from '../../model/index.js';

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

export interface EvalSettings extends EvalSection {
  model: ModelConfig;
  detector: DetectorConfig;
}

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
      reanchor: { fastAlpha: 0.05, steadyTolerance: 0.5, steadyMs: 30_000, maxOffset: 2.5, reversalRatio: 1 },
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

function parseSection<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: unknown } },
  value: unknown,
  section: string,
  source: string,
): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new PipelineError(
      'CONFIG_INVALID',
      `${source}: section "${section}" is invalid: ${String(parsed.error)}`,
      {
        details: { field: section, file: source },
      },
    );
  }
  return parsed.data;
}

/** The preset, with the `model`, `detector` and `eval` sections of `configFile` (YAML) merged over it. */
export function loadEvalSettings(configFile?: string): EvalSettings {
  let fromFile: Record<string, unknown> = {};
  const source = configFile ?? 'eval preset';
  if (configFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(configFile, 'utf8');
    } catch (err) {
      throw new PipelineError(
        'CONFIG_UNREADABLE',
        `cannot read --config ${configFile}: ${(err as Error).message}`,
        {
          cause: err,
          details: { file: configFile },
        },
      );
    }
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch (err) {
      throw new PipelineError(
        'CONFIG_UNREADABLE',
        `--config ${configFile} is not valid YAML: ${(err as Error).message}`,
        {
          cause: err,
          details: { file: configFile },
        },
      );
    }
    if (doc !== null && doc !== undefined && !isPlainObject(doc)) {
      throw new PipelineError(
        'CONFIG_INVALID',
        `--config ${configFile} must hold a mapping with "model" and/or "detector"`,
        {
          details: { file: configFile },
        },
      );
    }
    fromFile = (doc as Record<string, unknown> | null) ?? {};
  }
  return {
    model: parseSection(modelConfigSchema, mergeSections(evalPreset.model, fromFile.model), 'model', source),
    detector: parseSection(
      detectorConfigSchema,
      mergeSections(evalPreset.detector, fromFile.detector),
      'detector',
      source,
    ),
    ...parseSection(evalSectionSchema, mergeSections(evalPreset.eval, fromFile.eval), 'eval', source),
  };
}
