// Turns zod issues into lines an operator can act on: the key's path, the value
// found there, where it came from (file line or environment variable) and what
// is expected; an unknown key gets the nearest known key as a hint.
import type { z } from 'zod';
import { didYouMean } from './did-you-mean.js';
import type { AppliedOverride } from './env-overrides.js';
import { knownKeysAt } from './schema-keys.js';
import type { YamlLocator } from './yaml-locator.js';

/** Where the input came from: the file (with its lines) and the keys taken from the environment. */
export interface IssueOrigin {
  file?: string;
  locator?: YamlLocator;
  overrides: readonly AppliedOverride[];
}

/** A value as a message shows it: JSON, shortened, with its kind. */
export function describeValue(value: unknown): string {
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

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? String(s) : `.${String(s)}`))
    .join('');
}

function whereFrom(origin: IssueOrigin, path: readonly PropertyKey[], key?: string): string {
  const full = key === undefined ? path : [...path, key];
  const override = origin.overrides.find(
    (o) => o.path.length <= full.length && o.path.every((segment, i) => segment === full[i]),
  );
  if (override) return ` from ${override.envName}`;
  const line = origin.locator?.lineOf(path, key);
  return origin.file && line !== undefined ? ` at ${origin.file}:${line}` : '';
}

/** One line per problem (per unknown key), in the order zod reports them. */
export function explainIssues(
  error: z.ZodError,
  input: unknown,
  schema: z.ZodType,
  origin: IssueOrigin,
): string[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, issue.path);
      return issue.keys.map(
        (key) =>
          `${formatPath([...issue.path, key])}: unknown key${whereFrom(origin, issue.path, key)}; ${didYouMean(key, known)}`,
      );
    }
    const value = getIn(input, issue.path);
    const problem = issue.message.replace(/^Invalid input: /, '');
    return [
      `${formatPath(issue.path)}: ${problem}; got ${describeValue(value)}${whereFrom(origin, issue.path)}`,
    ];
  });
}
