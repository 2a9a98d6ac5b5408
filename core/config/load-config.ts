// Loads a configuration once at start-up: YAML file → environment overrides →
// one zod parse → deeply frozen object. On failure it throws CONFIG_INVALID with
// one line per problem (explain-issues.ts). It knows no application's schema:
// the variable prefix and the warnings beyond unknown variables come as settings.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { PipelineError } from '../errors.js';
import { deepFreeze } from './deep-freeze.js';
import { type AppliedOverride, applyEnvOverrides, type EnvOverrideSettings } from './env-overrides.js';
import { describeValue, explainIssues } from './explain-issues.js';
import { knownKeysAt } from './schema-keys.js';
import { createYamlLocator, type YamlLocator } from './yaml-locator.js';

export interface ConfigSource {
  /** Path of the YAML file; undefined = defaults plus environment only. */
  file?: string;
  /** YAML text, instead of reading `file` (still named `file` in messages). */
  text?: string;
  env?: NodeJS.ProcessEnv;
}

export interface ConfigLoaderSettings {
  env: EnvOverrideSettings;
  /** Warnings about the input before it is parsed (after overrides), e.g. deprecated keys. */
  warningsFor?: (schema: z.ZodType, input: unknown) => string[];
  /** The warning for a prefixed variable that matches no key, e.g. one naming where the keys are listed. */
  unknownEnvWarning?: (name: string) => string;
}

export interface LoadedConfig<T> {
  config: T;
  /** Where the file came from, or undefined when only defaults and environment were used. */
  file: string | undefined;
  /** Keys taken from the environment. */
  overrides: AppliedOverride[];
  /** Things worth a warning that do not stop start-up (deprecated keys, unknown prefixed variables). */
  warnings: string[];
}

interface ReadInput {
  raw: Record<string, unknown>;
  locator?: YamlLocator;
}

function readInput(schema: z.ZodType, source: ConfigSource): ReadInput {
  let text = source.text;
  if (text === undefined && source.file !== undefined) {
    try {
      text = readFileSync(source.file, 'utf8');
    } catch (err) {
      const reason = (err as Error).message;
      throw new PipelineError('CONFIG_UNREADABLE', `cannot read config file ${source.file}: ${reason}`, {
        cause: err,
      });
    }
  }
  if (text === undefined) return { raw: {} };
  const doc = parseDocument(text);
  const name = source.file ?? '(text)';
  if (doc.errors.length > 0) {
    throw new PipelineError(
      'CONFIG_UNREADABLE',
      `config file ${name} is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`,
      { details: { file: source.file } },
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new PipelineError(
      'CONFIG_INVALID',
      `config file ${name} must be a YAML mapping (known keys: ${knownKeysAt(schema, []).join(', ')}), got ${describeValue(raw)}`,
    );
  }
  return { raw: raw as Record<string, unknown>, locator: createYamlLocator(text) };
}

/** Names of environment variables the file itself names as secret sources (`{ env: NAME }`). */
function referencedEnvNames(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) referencedEnvNames(item, found);
  else if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1 && entries[0]![0] === 'env' && typeof entries[0]![1] === 'string') {
      found.add(entries[0]![1]);
    }
    for (const [, child] of entries) referencedEnvNames(child, found);
  }
  return found;
}

const defaultUnknownEnvWarning = (name: string) =>
  `environment variable ${name} looks like a configuration override but matches no config key`;

export function loadConfig<S extends z.ZodType>(
  schema: S,
  source: ConfigSource,
  settings: ConfigLoaderSettings,
): LoadedConfig<z.output<S>> {
  const { raw, locator } = readInput(schema, source);
  const env = source.env ?? process.env;
  const { value, applied, unknown } = applyEnvOverrides(raw, schema, env, settings.env);
  const result = schema.safeParse(value);
  if (!result.success) {
    const lines = explainIssues(result.error, value, schema, {
      ...(source.file ? { file: source.file } : {}),
      ...(locator ? { locator } : {}),
      overrides: applied,
    });
    const where = source.file ? `config file ${source.file}` : 'configuration';
    throw new PipelineError(
      'CONFIG_INVALID',
      `${where} is invalid:\n${lines.map((l) => `  - ${l}`).join('\n')}`,
      {
        details: { file: source.file, problems: lines },
      },
    );
  }
  const referenced = referencedEnvNames(raw);
  const unknownEnvWarning = settings.unknownEnvWarning ?? defaultUnknownEnvWarning;
  const warnings = [
    ...(settings.warningsFor?.(schema, value) ?? []),
    ...unknown.filter((name) => !referenced.has(name)).map((name) => unknownEnvWarning(name)),
  ];
  return { config: deepFreeze(result.data), file: source.file, overrides: applied, warnings };
}
