// The generic loader against a small schema of its own: messages that name key, value, line or
// variable and expectation; overrides; warnings; refusals of unreadable input.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { isPipelineError } from '../errors.js';
import { secretSchema } from '../secret-schema.js';
import { type ConfigLoaderSettings, type ConfigSource, loadConfig } from './load-config.js';

const schema = z.strictObject({
  logging: z.strictObject({ level: z.enum(['info', 'debug']).default('info') }).prefault({}),
  http: z
    .strictObject({
      port: z.number().int().min(0).max(65535).default(8080),
      token: secretSchema.optional(),
      allowedHosts: z.array(z.string()).default([]),
    })
    .prefault({}),
  sources: z.array(z.strictObject({ topic: z.string() })).default([]),
});

const settings: ConfigLoaderSettings = {
  env: { prefix: 'APP_', isReserved: (name) => name === 'APP_CONFIG' },
};
const load = (source: ConfigSource, extra: Partial<ConfigLoaderSettings> = {}) =>
  loadConfig(schema, { env: {}, ...source }, { ...settings, ...extra });

/** The problems a CONFIG_INVALID refusal lists, else the code and message of the refusal. */
function refusalOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (!isPipelineError(err)) throw err;
    const problems = err.details.problems as string[] | undefined;
    return problems ?? [`${err.code}: ${err.message}`];
  }
  return ['accepted'];
}

describe('loadConfig', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('fills defaults and returns a deeply frozen object', () => {
    const { config, warnings } = load({ text: 'sources: [{ topic: a }]\n' });
    expect(config.http.port).toBe(8080);
    expect(warnings).toEqual([]);
    expect(Object.isFrozen(config.http)).toBe(true);
    expect(() => {
      (config.sources[0] as { topic: string }).topic = 'b';
    }).toThrow(TypeError);
  });

  it('names a misspelt key with its line and the nearest known key, or the known keys', () => {
    const problems = refusalOf(() =>
      load({ text: 'logging:\n  levle: debug\nhttp:\n  colour: red\n', file: 'app.yaml' }),
    );
    expect(problems).toEqual([
      'logging.levle: unknown key at app.yaml:2; did you mean "level"?',
      'http.colour: unknown key at app.yaml:4; known keys here: port, token, allowedHosts',
    ]);
  });

  it('names the key, the bad value, its line and what is expected, also inside lists', () => {
    const problems = refusalOf(() =>
      load({ text: 'http:\n  port: eighty\nsources:\n  - topic: 3\n', file: 'app.yaml' }),
    );
    expect(problems).toEqual([
      'http.port: expected number, received string; got "eighty" (string) at app.yaml:2',
      'sources[0].topic: expected string, received number; got 3 (number) at app.yaml:4',
    ]);
  });

  it('applies overrides, converting numbers and YAML lists, and names the variable of a bad one', () => {
    const { config, overrides } = load({
      text: 'http:\n  port: 9000\n',
      env: { APP_HTTP__PORT: '9100', APP_HTTP__ALLOWED_HOSTS: '[a.example, b.example]' },
    });
    expect(config.http.port).toBe(9100);
    expect(config.http.allowedHosts).toEqual(['a.example', 'b.example']);
    expect(overrides.map((o) => o.envName)).toEqual(['APP_HTTP__PORT', 'APP_HTTP__ALLOWED_HOSTS']);
    const problems = refusalOf(() => load({ text: 'http:\n  port: 9000\n', env: { APP_HTTP__PORT: 'x' } }));
    expect(problems).toEqual([
      'http.port: expected number, received string; got "x" (string) from APP_HTTP__PORT',
    ]);
  });

  it('takes a secret from <NAME>_FILE unless <NAME> itself is set', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'config-secret-')), 'token');
    writeFileSync(file, 'from-file\n');
    expect(load({ env: { APP_HTTP__TOKEN_FILE: file } }).config.http.token?.reveal()).toBe('from-file');
    const both = load({ env: { APP_HTTP__TOKEN_FILE: file, APP_HTTP__TOKEN: 'direct' } });
    expect(both.config.http.token?.reveal()).toBe('direct');
    expect(both.overrides.map((o) => o.envName)).toEqual(['APP_HTTP__TOKEN']);
  });

  it('warns about prefixed variables that match no key, but not reserved ones or those the file names', () => {
    vi.stubEnv('APP_TOKEN', 'secret');
    const env = { APP_HTTP__PROT: '1', APP_CONFIG: 'x.yaml', APP_TOKEN: 'secret', OTHER: '1' };
    const text = 'http:\n  token: { env: APP_TOKEN }\n';
    expect(load({ text, env }).warnings).toEqual([
      'environment variable APP_HTTP__PROT looks like a configuration override but matches no config key',
    ]);
    const worded = load({ text, env }, { unknownEnvWarning: (name) => `${name}: no such key` });
    expect(worded.warnings).toEqual(['APP_HTTP__PROT: no such key']);
  });

  it('adds the warnings the settings find in the input after overrides', () => {
    const warningsFor = (_: z.ZodType, input: unknown) => [JSON.stringify(input)];
    const { warnings } = load(
      { text: 'logging: { level: debug }\n', env: { APP_HTTP__PORT: '1' } },
      { warningsFor },
    );
    expect(warnings).toEqual(['{"logging":{"level":"debug"},"http":{"port":1}}']);
  });

  it('refuses YAML that does not parse, a top level that is not a mapping, and a missing file', () => {
    expect(refusalOf(() => load({ text: 'http: [1, 2\n', file: 'x.yaml' }))[0]).toMatch(
      /^CONFIG_UNREADABLE: config file x\.yaml is not valid YAML/,
    );
    expect(refusalOf(() => load({ text: '- a\n- b\n', file: 'x.yaml' }))).toEqual([
      'CONFIG_INVALID: config file x.yaml must be a YAML mapping (known keys: logging, http, sources), got ["a","b"] (list)',
    ]);
    expect(refusalOf(() => load({ file: join(tmpdir(), 'surely-missing', 'app.yaml') }))[0]).toMatch(
      /^CONFIG_UNREADABLE: cannot read config file .*app\.yaml: ENOENT/,
    );
  });
});
