// Reads `gruwatch eval --config FILE` (YAML) and hands it to the eval settings
// (detector/evaluation/eval-settings.ts) with the model section's schema.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { PipelineError } from '../../core/index.js';
import { type EvalSettings, resolveEvalSettings } from '../../detector/index.js';
import { type ModelConfig, modelConfigSchema } from '../../model/index.js';

function unreadable(configFile: string, message: string, cause: unknown): PipelineError {
  return new PipelineError('CONFIG_UNREADABLE', `${message}: ${(cause as Error).message}`, {
    cause,
    details: { file: configFile },
  });
}

/** The eval preset, with the `model`, `detector` and `eval` sections of `configFile` merged over it. */
export function loadEvalSettings(configFile?: string): EvalSettings<ModelConfig> {
  if (configFile === undefined) return resolveEvalSettings(undefined, 'eval preset', modelConfigSchema);
  let text: string;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch (err) {
    throw unreadable(configFile, `cannot read --config ${configFile}`, err);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw unreadable(configFile, `--config ${configFile} is not valid YAML`, err);
  }
  return resolveEvalSettings(doc, configFile, modelConfigSchema);
}
