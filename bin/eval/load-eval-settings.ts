// Reads a config file's `model`, `detector` and `eval` sections over the eval preset
// (detector/evaluation/eval-preset.ts) and checks them with each room's schema.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { PipelineError } from '../../core/index.js';
import {
  type DetectorConfig,
  detectorConfigSchema,
  type EvalSection,
  evalPreset,
  evalSectionSchema,
  mergeSections,
} from '../../detector/index.js';
import { type ModelConfig, modelConfigSchema } from '../../model/index.js';

/** The eval preset with a config file's sections merged over it, each checked by its schema. */
export interface EvalSettings extends EvalSection {
  model: ModelConfig;
  detector: DetectorConfig;
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
    if (doc !== null && doc !== undefined && (typeof doc !== 'object' || Array.isArray(doc))) {
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
