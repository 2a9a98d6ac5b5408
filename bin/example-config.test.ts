// The shipped example configuration parses, and documents every key of the schema.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { configSchema } from './config.js';
import { deprecatedMarker } from './deprecated-keys.js';
import { listEnvOverrideKeys } from './env-overrides.js';
import { loadConfig } from './load-config.js';

const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'deploy', 'config', 'example.yaml');

describe('deploy/config/example.yaml', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('parses with its secrets given through the environment, without warnings', () => {
    for (const name of [
      'GRUWATCH_API_TOKEN',
      'GRUWATCH_MQTT_PASSWORD',
      'GRUWATCH_INFLUXDB_TOKEN',
      'GRUWATCH_WEBHOOK_KEY',
    ]) {
      vi.stubEnv(name, `${name.toLowerCase()}-value`);
    }
    const loaded = loadConfig(configSchema, { file, env: process.env });
    expect(loaded.warnings).toEqual([]);
    expect(loaded.config.ingest.mqtt?.password?.reveal()).toBe('gruwatch_mqtt_password-value');
    expect(loaded.config.sinks.map((s) => s.type)).toEqual(['influxdb', 'webhook']);
  });

  it('names every key of the schema but the deprecated ones', () => {
    const text = readFileSync(file, 'utf8');
    const missing = listEnvOverrideKeys(configSchema)
      .filter((key) => !key.description?.startsWith(deprecatedMarker))
      .map((key) => key.path)
      .filter((path) => !new RegExp(`^\\s*#?\\s*${path[path.length - 1]}:`, 'm').test(text))
      .map((path) => path.join('.'));
    expect(missing).toEqual([]);
  });
});
