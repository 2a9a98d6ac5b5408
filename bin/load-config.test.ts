// gruwatch's loader over its own schema: defaults, the GRUWATCH_ variables, the deprecated window
// keys and the refinements that name more than one key. The loader itself is tested in core/config/.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isPipelineError, Secret } from '../core/index.js';
import { configSchema } from './config.js';
import { loadConfig } from './load-config.js';

// The smallest valid configuration: one MQTT source, JSON payloads, one asset group. Tests append
// it after the keys they exercise, so line numbers in messages stay those of the keys under test.
const base = `
ingest:
  mqtt: { url: 'mqtt://127.0.0.1:1883', clientId: test, topics: ['plants/{asset}/telemetry'] }
  decoder: { type: json }
  assets: [{ channels: [flow, speed] }]
  window: { T: 64, hop: 16 }
`;

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (isPipelineError(err, 'CONFIG_INVALID')) return err.details.problems as string[];
    throw err;
  }
  throw new Error('expected the config to be refused');
}

describe('loadConfig', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('fills defaults when the file is empty', () => {
    const { config } = loadConfig(configSchema, { text: `${base}`, file: 'empty.yaml', env: {} });
    expect(config.http.port).toBe(8080);
    expect(config.logging.level).toBe('info');
  });

  it('refuses a machine-off rule naming a channel its asset group lacks, naming both keys and the fix', () => {
    const groups = `ingest:
  mqtt: { url: 'mqtt://127.0.0.1:1883', clientId: test, topics: ['plants/{asset}/telemetry'] }
  decoder: { type: json }
  assets: [{ match: 'pump-*', channels: [flow, speed] }, { match: '*', channels: [flow, temp] }]
  window: { T: 64, hop: 16 }
`;
    const config = (rules: string) =>
      loadConfig(configSchema, {
        text: `${groups}detector: { machineOff: ${rules} }\n`,
        env: {},
      });
    const problems = problemsOf(() => config(`[{ asset: '*', channel: speed, below: 100 }]`));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('detector.machineOff[0].channel "speed"');
    expect(problems[0]).toContain('ingest.assets[1] (match "*", channels: flow, temp)');
    expect(problems[0]).toContain('add it to ingest.assets[1].channels');
    // Every pump goes to the first group, which has the channel: nothing to refuse.
    expect(() => config(`[{ asset: 'pump-*', channel: speed, below: 100 }]`)).not.toThrow();
    expect(() => config(`[{ asset: '*', channel: flow, below: 1 }]`)).not.toThrow();
    expect(problemsOf(() => config(`[{ asset: 'fan-1', channel: speed, below: 1 }]`))[0]).toContain(
      'ingest.assets[1]',
    );
  });

  it('applies environment overrides and names the variable when one is wrong', () => {
    const ok = loadConfig(configSchema, {
      text: `http:\n  port: 9000\n${base}`,
      env: { GRUWATCH_HTTP__PORT: '9100' },
    });
    expect(ok.config.http.port).toBe(9100);
    expect(ok.overrides.map((o) => o.envName)).toEqual(['GRUWATCH_HTTP__PORT']);
    const problems = problemsOf(() =>
      loadConfig(configSchema, { text: `${base}`, env: { GRUWATCH_HTTP__PORT: '99999' } }),
    );
    expect(problems[0]).toContain('from GRUWATCH_HTTP__PORT');
  });

  it('resolves secrets from text, environment and file, and redacts them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gruwatch-secret-'));
    const file = join(dir, 'token');
    writeFileSync(file, 'from-file\n');
    const fromText = loadConfig(configSchema, { text: `http:\n  apiToken: abc\n${base}`, env: {} }).config
      .http.apiToken;
    // { env: NAME } is read from the process environment while the config is parsed
    vi.stubEnv('GRUWATCH_TEST_TOKEN', 'from-env');
    const fromEnv = loadConfig(configSchema, {
      text: `http:\n  apiToken: { env: GRUWATCH_TEST_TOKEN }\n${base}`,
      env: {},
    });
    const fromFile = loadConfig(configSchema, {
      text: `${base}`,
      env: { GRUWATCH_HTTP__API_TOKEN_FILE: file },
    });
    expect(fromText).toBeInstanceOf(Secret);
    expect(fromText?.reveal()).toBe('abc');
    expect(fromFile.config.http.apiToken?.reveal()).toBe('from-file');
    expect(JSON.stringify(fromFile.config)).not.toContain('from-file');
    expect(JSON.stringify(fromFile.config)).toContain('[redacted]');
    expect(fromEnv.config.http.apiToken?.reveal()).toBe('from-env');
  });

  it('refuses a secret whose environment variable is missing, saying which', () => {
    const problems = problemsOf(() =>
      loadConfig(configSchema, {
        text: `http:\n  apiToken: { env: GRUWATCH_TEST_SURELY_UNSET }\n${base}`,
        env: {},
      }),
    );
    expect(problems[0]).toContain('environment variable GRUWATCH_TEST_SURELY_UNSET is not set');
  });

  it('derives the model window and the scorer hop from ingest.window, without warnings', () => {
    const { config, warnings } = loadConfig(configSchema, { text: base, file: 'window.yaml', env: {} });
    expect(config.model.windowSteps).toBe(64);
    expect(config.model.hopSteps).toBe(16);
    expect(config.detector.scoring.hopSteps).toBe(16);
    expect(warnings).toEqual([]);
  });

  it('accepts the old window keys when they agree, warning about each and naming the new key', () => {
    const text = `model: { windowSteps: 64, hopSteps: 16 }\ndetector: { scoring: { hopSteps: 16 } }\n${base}`;
    const { config, warnings } = loadConfig(configSchema, { text, file: 'old.yaml', env: {} });
    expect(config.model.windowSteps).toBe(64);
    expect(warnings).toEqual([
      'model.windowSteps is deprecated and will be removed in the next release: use ingest.window.T',
      'model.hopSteps is deprecated and will be removed in the next release: use ingest.window.hop',
      'detector.scoring.hopSteps is deprecated and will be removed in the next release: use ingest.window.hop',
    ]);
  });

  it('refuses an old window key that disagrees with ingest.window, naming both keys', () => {
    const text = `model: { windowSteps: 32 }\ndetector: { scoring: { hopSteps: 8 } }\n${base}`;
    const problems = problemsOf(() => loadConfig(configSchema, { text, file: 'conflict.yaml', env: {} }));
    expect(problems.join('\n')).toMatch(/model\.windowSteps \(32\) must equal ingest\.window\.T \(64\)/);
    expect(problems.join('\n')).toMatch(
      /detector\.scoring\.hopSteps \(8\) must equal ingest\.window\.hop \(16\)/,
    );
  });

  it('refuses a window shorter than the model can reconstruct', () => {
    const text = base.replace('window: { T: 64, hop: 16 }', 'window: { T: 1 }');
    const problems = problemsOf(() => loadConfig(configSchema, { text, file: 'short.yaml', env: {} }));
    expect(problems.join('\n')).toMatch(/ingest\.window\.T \(1\) must be between 2 and 4096/);
  });

  it('warns about GRUWATCH_ variables that match no key, pointing to the list, but not the runtime ones', () => {
    const env = { GRUWATCH_HTTP__PROT: '1', GRUWATCH_CONFIG: 'plant.yaml', GRUWATCH_TEST_MQTT_URL: 'x' };
    const { warnings } = loadConfig(configSchema, { text: `${base}`, env });
    expect(warnings).toEqual([
      'environment variable GRUWATCH_HTTP__PROT looks like a gruwatch override but matches no config key; see `gruwatch config env`',
    ]);
  });

  it('refuses an empty secret file (also through _FILE), which would otherwise match an empty token', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gruwatch-secret-'));
    const empty = join(dir, 'token');
    writeFileSync(empty, '\n');
    const inFile = problemsOf(() =>
      loadConfig(configSchema, { text: `http: { apiToken: { file: ${empty} } }\n${base}`, env: {} }),
    );
    expect(inFile[0]).toMatch(/^http\.apiToken: .*is empty/);
    const viaEnv = problemsOf(() =>
      loadConfig(configSchema, { text: base, env: { GRUWATCH_HTTP__API_TOKEN_FILE: empty } }),
    );
    expect(viaEnv[0]).toMatch(/is empty/);
    // One trailing line break goes, nothing else (detector/sinks/README.md says so for signing keys).
    for (const [text, secret] of [
      ['tok en\n', 'tok en'],
      [' tok\r\n', ' tok'],
      ['tok\n\n', 'tok\n'],
    ]) {
      writeFileSync(empty, text);
      const { config } = loadConfig(configSchema, {
        text: base,
        env: { GRUWATCH_HTTP__API_TOKEN_FILE: empty },
      });
      expect(config.http.apiToken?.reveal()).toBe(secret);
    }
  });

  it('refuses a non-loopback host without a token unless unauthenticated access is allowed', () => {
    const problems = problemsOf(() =>
      loadConfig(configSchema, { text: `http: { host: 0.0.0.0 }\n${base}`, env: {} }),
    );
    expect(problems[0]).toMatch(/^http\.apiToken: .*not a loopback address.*allowUnauthenticated/);
    for (const http of [
      '{ host: 0.0.0.0, allowUnauthenticated: true }',
      '{ host: 0.0.0.0, apiToken: abc }',
      '{ host: 127.0.0.2 }',
      '{ host: localhost }',
      "{ host: '::1' }",
    ]) {
      expect(() => loadConfig(configSchema, { text: `http: ${http}\n${base}`, env: {} })).not.toThrow();
    }
    expect(
      problemsOf(() =>
        loadConfig(configSchema, { text: `http: { host: 10.1.2.3, viewerToken: wall }\n${base}`, env: {} }),
      ).map((p) => p.split(':')[0]),
    ).toEqual(['http.viewerToken', 'http.apiToken']);
    expect(
      problemsOf(() =>
        loadConfig(configSchema, { text: `http: { timeZone: Mars/Olympus }\n${base}`, env: {} }),
      )[0],
    ).toMatch(/^http\.timeZone:/);
  });
});
