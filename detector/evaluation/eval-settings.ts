// The settings `gruwatch eval` runs with: the eval preset with a config document's `model`,
// `detector` and `eval` sections merged over it key by key, each checked by its schema. Other
// sections are ignored, so a service config file works. The model section's schema is the model
// room's, passed in.
import { PipelineError } from '../../core/index.js';
import { type DetectorConfig, detectorConfigSchema } from '../config.js';
import { type EvalSection, evalPreset, evalSectionSchema, mergeSections } from './eval-preset.js';

/** What the settings need of a section's schema (zod's `safeParse`). */
export interface SectionSchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: unknown };
}

/** The eval preset with a config file's sections merged over it, each checked by its schema. */
export interface EvalSettings<M> extends EvalSection {
  model: M;
  detector: DetectorConfig;
}

function parseSection<T>(schema: SectionSchema<T>, value: unknown, section: string, source: string): T {
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

/**
 * The preset with the sections of `doc` (a parsed `--config` file, or undefined without one)
 * merged over it; `source` names the file in messages.
 */
export function resolveEvalSettings<M>(
  doc: unknown,
  source: string,
  modelSchema: SectionSchema<M>,
): EvalSettings<M> {
  if (doc !== null && doc !== undefined && (typeof doc !== 'object' || Array.isArray(doc))) {
    throw new PipelineError(
      'CONFIG_INVALID',
      `--config ${source} must hold a mapping with "model" and/or "detector"`,
      {
        details: { file: source },
      },
    );
  }
  const fromFile = (doc as Record<string, unknown> | null | undefined) ?? {};
  return {
    model: parseSection(modelSchema, mergeSections(evalPreset.model, fromFile.model), 'model', source),
    detector: parseSection(
      detectorConfigSchema,
      mergeSections(evalPreset.detector, fromFile.detector),
      'detector',
      source,
    ),
    ...parseSection(evalSectionSchema, mergeSections(evalPreset.eval, fromFile.eval), 'eval', source),
  };
}
