import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli.js';

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (t) => (out += t), err: (t) => (err += t), env });
  return { code, out, err };
}

const base = `
ingest:
  mqtt: { url: 'mqtt://127.0.0.1:1883', clientId: test, topics: ['plants/{asset}/telemetry'] }
  decoder: { type: json }
  assets: [{ channels: [flow, speed] }]
  window: { T: 64, hop: 16 }
`;

/** Writes `text` followed by the smallest valid configuration, so line numbers stay those of `text`. */
function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gruwatch-cli-'));
  const file = join(dir, name);
  writeFileSync(file, text + base);
  return file;
}

describe('gruwatch CLI', () => {
  it('prints its version from package.json', async () => {
    const { code, out } = await run(['--version']);
    expect(code).toBe(0);
    expect(out.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('lists only the commands that exist in --help', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    expect(out).toContain('config');
  });

  it('config check accepts a valid file', async () => {
    const file = tempFile('ok.yaml', 'http:\n  port: 9090\n');
    const { code, out } = await run(['config', 'check', file]);
    expect(code).toBe(0);
    expect(out).toContain('valid');
  });

  it('config check accepts an old window key with a warning naming the new key', async () => {
    const file = tempFile('old.yaml', 'model:\n  windowSteps: 64\n');
    const { code, out, err } = await run(['config', 'check', file]);
    expect(code).toBe(0);
    expect(out).toContain('valid');
    expect(err).toContain('warning: model.windowSteps is deprecated');
    expect(err).toContain('use ingest.window.T');
  });

  it('config check refuses a wrong key with exit code 78 and a precise message', async () => {
    const file = tempFile('bad.yaml', 'http:\n  prot: 9090\n');
    const { code, err } = await run(['config', 'check', file]);
    expect(code).toBe(78);
    expect(err).toContain('http.prot: unknown key');
    expect(err).toContain('did you mean "port"?');
    expect(err).toContain(`${file}:2`);
  });

  it('config check reports a missing file as unreadable', async () => {
    const { code, err } = await run(['config', 'check', '/nonexistent/gruwatch.yaml']);
    expect(code).toBe(78);
    expect(err).toContain('cannot read config file /nonexistent/gruwatch.yaml');
  });

  it('config schema prints a JSON Schema that describes the keys', async () => {
    const { code, out } = await run(['config', 'schema']);
    expect(code).toBe(0);
    const schema = JSON.parse(out) as {
      properties: Record<string, { properties?: Record<string, { description?: string }> }>;
    };
    expect(schema.properties.http?.properties?.port?.description).toMatch(/port/i);
  });

  it('config print redacts secrets', async () => {
    const file = tempFile('ok.yaml', '');
    const { code, out } = await run(['config', 'print', file], {
      GRUWATCH_HTTP__API_TOKEN: 'very-secret-token',
    });
    expect(code).toBe(0);
    expect(out).not.toContain('very-secret-token');
    expect(JSON.parse(out).http.apiToken).toBe('[redacted]');
  });

  it('config env lists the override variables', async () => {
    const { out } = await run(['config', 'env']);
    expect(out).toContain('GRUWATCH_HTTP__PORT');
    expect(out).toContain('GRUWATCH_HTTP__API_TOKEN_FILE');
  });

  it('train refuses a --lookback-hours that is no positive number, naming the flag and the value', async () => {
    const file = tempFile('ok.yaml', '');
    const { code, err } = await run(['train', '-c', file, '--from-store', '--lookback-hours', 'abc']);
    expect(code).toBe(1);
    expect(err).toContain('--lookback-hours must be a positive number, got "abc"');
  });

  it('refuses an unknown command', async () => {
    const { code, err } = await run(['fly']);
    expect(code).not.toBe(0);
    expect(err).toContain('unknown command');
  });
});
