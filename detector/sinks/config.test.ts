// The store and sinks config sections: defaults, secrets, duplicate names, sample.yaml.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Secret } from '../../core/index.js';
import { sinksConfigSchema, storeConfigSchema } from './config.js';

describe('sinks config', () => {
  it('fills defaults and turns tokens and signing keys into secrets', () => {
    const sinks = sinksConfigSchema.parse([
      {
        type: 'influxdb',
        url: 'http://127.0.0.1:8086',
        token: 'u:p',
        bucket: 'gruwatch/autogen',
        database: 'gruwatch',
      },
      { type: 'webhook', name: 'ops', url: 'https://example.test/hook', signingKey: 'k' },
    ]);
    const [influx, hook] = sinks;
    expect(influx.type === 'influxdb' && influx.token).toBeInstanceOf(Secret);
    expect(JSON.stringify(sinks)).not.toContain('u:p');
    expect(influx.retry.maxAttempts).toBeUndefined();
    // Webhook receivers are retried for a day, not for a count of attempts.
    expect(hook.type === 'webhook' && hook.retry).toMatchObject({
      maxRetryMs: 86_400_000,
      maxDelayMs: 300_000,
    });
    expect(hook.type === 'webhook' && hook.retry.maxAttempts).toBeUndefined();
    expect(hook.type === 'webhook' && hook.assets).toEqual(['*']);
  });

  it('rejects two sinks with one name, naming the field', () => {
    const result = sinksConfigSchema.safeParse([
      { type: 'webhook', name: 'ops', url: 'https://a.test/', signingKey: 'k' },
      { type: 'webhook', name: 'ops', url: 'https://b.test/', signingKey: 'k' },
    ]);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].path).toEqual([1, 'name']);
  });

  it('rejects a misspelled key', () => {
    expect(storeConfigSchema.safeParse({ maxOutboxRow: 5 }).success).toBe(false);
    expect(storeConfigSchema.parse({}).retention.framesMaxAgeDays).toBe(14);
  });
});

describe('sample.yaml', () => {
  it('parses with the schemas', () => {
    const sample = parse(readFileSync(new URL('./sample.yaml', import.meta.url), 'utf8')) as {
      store: unknown;
      sinks: unknown;
    };
    process.env.GRUWATCH_INFLUXDB_TOKEN = 'u:p';
    process.env.GRUWATCH_WEBHOOK_KEY = 'k';
    try {
      const sinks = sinksConfigSchema.parse(sample.sinks);
      expect(sinks.map((s) => s.type)).toEqual(['influxdb', 'webhook']);
      expect(storeConfigSchema.parse(sample.store).path).toBe('data/gruwatch.db');
    } finally {
      delete process.env.GRUWATCH_INFLUXDB_TOKEN;
      delete process.env.GRUWATCH_WEBHOOK_KEY;
    }
  });
});
