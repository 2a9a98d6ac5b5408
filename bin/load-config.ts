// Loads the configuration once at start-up: YAML file → environment overrides
// → one zod parse → deeply frozen object. On failure it produces a message
// that names each bad key, the value found there, where it came from (file
// line or environment variable) and what is expected.
import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { PipelineError } from '../core/index.js';
import { deprecatedKeysIn } from './deprecated-keys.js';
import { type AppliedOverride, applyEnvOverrides } from './env-overrides.js';

export interface LoadedConfig<T> {
  config: T;
  /** Where the file came from, or undefined when only defaults and environment were used. */
  file: string | undefined;
  /** Keys taken from the environment. */
  overrides: AppliedOverride[];
  /** Things worth a warning that do not stop start-up (deprecated keys, unknown GRUWATCH_ variables). */
  warnings: string[];
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    // Typed arrays and class instances (Secret) keep their own behaviour.
    if (ArrayBuffer.isView(value)) return value;
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  const shown = text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return `${shown} (${Array.isArray(value) ? 'list' : value === null ? 'null' : typeof value})`;
}

function getIn(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[segment];
  }
  return node;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: z.core.$ZodType = schema;
  for (const segment of [...path, null]) {
    for (;;) {
      const def = (node as z.ZodType)._zod.def as {
        type: string;
        innerType?: z.core.$ZodType;
        element?: z.core.$ZodType;
        in?: z.core.$ZodType;
      };
      if (def.innerType) node = def.innerType;
      else if (def.type === 'pipe' && def.in) node = def.in;
      else break;
    }
    const def = (node as z.ZodType)._zod.def as {
      type: string;
      shape?: Record<string, z.core.$ZodType>;
      element?: z.core.$ZodType;
    };
    if (segment === null) return def.shape ? Object.keys(def.shape) : [];
    if (def.type === 'object' && def.shape && typeof segment === 'string' && def.shape[segment])
      node = def.shape[segment];
    else if (def.type === 'array' && def.element && typeof segment === 'number') node = def.element;
    else return [];
  }
  return [];
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? String(s) : `.${String(s)}`))
    .join('');
}

interface YamlLocator {
  lineOf(path: readonly PropertyKey[], key?: string): number | undefined;
}

function createYamlLocator(text: string): YamlLocator {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  return {
    lineOf(path, key) {
      const node =
        path.length === 0 ? doc.contents : (doc.getIn(path as unknown[], true) as YamlNode | undefined);
      if (key !== undefined && isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
        const range = pair && isScalar(pair.key) ? pair.key.range : undefined;
        if (range) return lineCounter.linePos(range[0]).line;
      }
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      return range ? lineCounter.linePos(range[0]).line : undefined;
    },
  };
}

/** Turns zod issues into lines that name key, value, origin and expectation. */
export function explainIssues(
  error: z.ZodError,
  input: unknown,
  schema: z.ZodType,
  origin: { file?: string; locator?: YamlLocator; overrides: AppliedOverride[] },
): string[] {
  const lines: string[] = [];
  const originOf = (path: readonly PropertyKey[], key?: string): string => {
    const full = key === undefined ? path : [...path, key];
    const override = origin.overrides.find(
      (o) => o.path.length <= full.length && o.path.every((segment, i) => segment === full[i]),
    );
    if (override) return ` from ${override.envName}`;
    const line = origin.locator?.lineOf(path, key);
    return origin.file && line !== undefined ? ` at ${origin.file}:${line}` : '';
  };
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, issue.path);
      for (const key of issue.keys) {
        const nearest = known
          .map((k) => ({ k, d: levenshtein(k.toLowerCase(), key.toLowerCase()) }))
          .sort((a, b) => a.d - b.d)[0];
        const hint =
          nearest && nearest.d <= Math.max(2, Math.floor(key.length / 3))
            ? `did you mean "${nearest.k}"?`
            : `known keys here: ${known.join(', ') || 'none'}`;
        lines.push(`${formatPath([...issue.path, key])}: unknown key${originOf(issue.path, key)}; ${hint}`);
      }
      continue;
    }
    const value = getIn(input, issue.path);
    const problem = issue.message.replace(/^Invalid input: /, '');
    lines.push(`${formatPath(issue.path)}: ${problem}; got ${describeValue(value)}${originOf(issue.path)}`);
  }
  return lines;
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

export interface LoadConfigOptions {
  /** Path of the YAML file; undefined = defaults plus environment only. */
  file?: string;
  /** YAML text, instead of reading `file` (still named `file` in messages). */
  text?: string;
  env?: NodeJS.ProcessEnv;
}

export function loadConfig<S extends z.ZodType>(
  schema: S,
  options: LoadConfigOptions,
): LoadedConfig<z.output<S>> {
  const env = options.env ?? process.env;
  let text = options.text;
  if (text === undefined && options.file !== undefined) {
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (err) {
      throw new PipelineError(
        'CONFIG_UNREADABLE',
        `cannot read config file ${options.file}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }
  let raw: unknown = {};
  let locator: YamlLocator | undefined;
  if (text !== undefined) {
    const doc = parseDocument(text);
    if (doc.errors.length > 0) {
      const first = doc.errors[0]!;
      throw new PipelineError(
        'CONFIG_UNREADABLE',
        `config file ${options.file ?? '(text)'} is not valid YAML: ${first.message.split('\n')[0]}`,
        { details: { file: options.file } },
      );
    }
    raw = doc.toJS() ?? {};
    locator = createYamlLocator(text);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new PipelineError(
      'CONFIG_INVALID',
      `config file ${options.file ?? '(text)'} must be a YAML mapping of sections (logging, http, ingest, model, detector, ...), got ${describeValue(raw)}`,
    );
  }
  const { value, applied, unknown } = applyEnvOverrides(raw as Record<string, unknown>, schema, env);
  const result = schema.safeParse(value);
  if (!result.success) {
    const lines = explainIssues(result.error, value, schema, {
      ...(options.file ? { file: options.file } : {}),
      ...(locator ? { locator } : {}),
      overrides: applied,
    });
    const where = options.file ? `config file ${options.file}` : 'configuration';
    throw new PipelineError(
      'CONFIG_INVALID',
      `${where} is invalid:\n${lines.map((l) => `  - ${l}`).join('\n')}`,
      {
        details: { file: options.file, problems: lines },
      },
    );
  }
  const referenced = referencedEnvNames(raw);
  const warnings = [
    ...deprecatedKeysIn(schema, value),
    ...unknown
      .filter((name) => !referenced.has(name))
      .map(
        (name) =>
          `environment variable ${name} looks like a gruwatch override but matches no config key; see \`gruwatch config env\``,
      ),
  ];
  return { config: deepFreeze(result.data), file: options.file, overrides: applied, warnings };
}
