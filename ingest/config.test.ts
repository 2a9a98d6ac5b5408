import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  alignConfigSchema,
  deadLetterConfigSchema,
  ingestConfigSchema,
  kafkaConfigSchema,
  mqttConfigSchema,
  receiveMaximumOf,
  windowConfigSchema,
} from './config.js';

const minimal = {
  mqtt: { url: 'mqtt://127.0.0.1:1883', clientId: 'gw-1', topics: ['plants/{site}/{asset}/{channel}'] },
  decoder: { type: 'json' },
  assets: [{ channels: ['flow'] }],
  window: { T: 8 },
};

function messages(input: unknown): string[] {
  const result = ingestConfigSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

afterEach(() => {
  delete process.env.GRUWATCH_MQTT_PASSWORD;
  delete process.env.GRUWATCH_KAFKA_PASSWORD;
});

describe('ingest config', () => {
  it('fills the documented defaults', () => {
    const config = ingestConfigSchema.parse(minimal);
    expect(config.align).toEqual({
      periodMs: 1000,
      fill: 'last',
      maxHoldMs: 5000,
      latenessMs: 2000,
      idleFlushMs: 10_000,
    });
    expect(config.window.hop).toBe(1);
    expect(config.mqtt?.qos).toBe(1);
    expect(config.mqtt?.protocolVersion).toBe(5);
    expect(config.mqtt?.isSessionPersistent).toBe(true);
    expect(config.assets[0].match).toBe('*');
    expect(config.deadLetter).toEqual({ type: 'none' });
  });

  it('rejects a persistent session without a client id, naming both keys and the fix', () => {
    const { clientId: _omit, ...mqtt } = minimal.mqtt;
    expect(messages({ ...minimal, mqtt })).toEqual([
      'mqtt.clientId: `mqtt.isSessionPersistent` requires a fixed `mqtt.clientId` (the broker finds the session by it); set clientId or set isSessionPersistent: false.',
    ]);
  });

  it('refuses a shared subscription, naming the key and the topologies that keep an asset in one instance', () => {
    const found = messages({ ...minimal, mqtt: { ...minimal.mqtt, sharedGroup: 'north' } });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^mqtt\.sharedGroup: `ingest\.mqtt\.sharedGroup` makes the broker split/);
    expect(found[0]).toContain('gruwatch bridge');
    expect(found[0]).toContain('topic filter');
  });

  it('takes 1 to 64 connections, 1 by default, and names the key and the range otherwise', () => {
    expect(ingestConfigSchema.parse(minimal).mqtt?.connections).toBe(1);
    expect(
      ingestConfigSchema.parse({ ...minimal, mqtt: { ...minimal.mqtt, connections: 64 } }).mqtt?.connections,
    ).toBe(64);
    for (const bad of [0, 65, 2.5, '4']) {
      const found = messages({ ...minimal, mqtt: { ...minimal.mqtt, connections: bad } });
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(/^mqtt\.connections: /);
    }
    expect(messages({ ...minimal, mqtt: { ...minimal.mqtt, connections: 65 } })[0]).toMatch(/64/);
    expect(messages({ ...minimal, mqtt: { ...minimal.mqtt, connections: 2, protocolVersion: 4 } })).toEqual([
      expect.stringMatching(
        /^mqtt\.connections: `mqtt\.connections: 2` .* MQTT 5 feature; set protocolVersion: 5/,
      ),
    ]);
  });

  it('refuses several connections together with a shared group, naming both keys', () => {
    const found = messages({ ...minimal, mqtt: { ...minimal.mqtt, connections: 4, sharedGroup: 'north' } });
    expect(found).toContainEqual(
      expect.stringMatching(
        /^mqtt\.connections: `mqtt\.connections` > 1 .* cannot also join `mqtt\.sharedGroup`/,
      ),
    );
  });

  it('takes 100 messages per connection by default, 1 with several connections, and refuses more than 1 with several', () => {
    const parse = (mqtt: object) =>
      ingestConfigSchema.parse({ ...minimal, mqtt: { ...minimal.mqtt, ...mqtt } }).mqtt!;
    expect(receiveMaximumOf(parse({}))).toBe(100);
    expect(receiveMaximumOf(parse({ receiveMaximum: 1 }))).toBe(1);
    expect(receiveMaximumOf(parse({ receiveMaximum: 65_535 }))).toBe(65_535);
    expect(receiveMaximumOf(parse({ connections: 4 }))).toBe(1);
    expect(receiveMaximumOf(parse({ connections: 4, receiveMaximum: 1 }))).toBe(1);
    expect(messages({ ...minimal, mqtt: { ...minimal.mqtt, receiveMaximum: 0 } })[0]).toMatch(
      /^mqtt\.receiveMaximum: /,
    );
    expect(messages({ ...minimal, mqtt: { ...minimal.mqtt, connections: 4, receiveMaximum: 20 } })).toEqual([
      expect.stringMatching(
        /^mqtt\.receiveMaximum: `mqtt\.receiveMaximum: 20` with `connections: 4`: .* out of order .* Use connections: 1/,
      ),
    ]);
  });

  it('rejects cross-field mistakes with messages naming the keys', () => {
    expect(
      messages({ ...minimal, mqtt: { ...minimal.mqtt, protocolVersion: 4, sharedGroup: 'g' } })[0],
    ).toMatch('`mqtt.sharedGroup` needs `mqtt.protocolVersion: 5`');
    expect(messages({ ...minimal, mqtt: { ...minimal.mqtt, username: 'u' } })[0]).toMatch(
      '`mqtt.username` and `mqtt.password` go together',
    );
    expect(messages({ ...minimal, window: { T: 4, hop: 5 } })[0]).toMatch(
      '`window.hop` must not exceed `window.T`',
    );
    expect(messages({ ...minimal, mqtt: undefined })[0]).toMatch('at least one source');
    expect(
      messages({
        ...minimal,
        mqtt: undefined,
        kafka: { brokers: ['k:9092'], groupId: 'g', topics: ['t'] },
        deadLetter: { type: 'mqtt', topic: 'dl' },
      })[0],
    ).toMatch('`ingest.deadLetter.type: mqtt` publishes through `ingest.mqtt`');
    expect(
      kafkaConfigSchema.safeParse({ brokers: ['k:9092'], groupId: 'g', topics: ['t'], topicPattern: 't.*' })
        .error?.issues[0].message,
    ).toMatch('Set exactly one of `kafka.topics` and `kafka.topicPattern`');
    expect(messages({ ...minimal, mqtt: { ...minimal.mqtt, topics: ['a/#/b'] } })[0]).toMatch(
      '"#" must be the last level',
    );
  });

  it('rejects unknown keys', () => {
    expect(messages({ ...minimal, align: { periodMs: 1000, period: 5 } })[0]).toMatch('period');
  });

  it('describes every field of its own sections', () => {
    const undocumented: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (node === null || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if (n.properties !== undefined) {
        for (const [key, child] of Object.entries(n.properties as Record<string, Record<string, unknown>>)) {
          const hasDescription =
            typeof child.description === 'string' ||
            (child.anyOf !== undefined && JSON.stringify(child).includes('description'));
          if (!hasDescription) undocumented.push(`${path}.${key}`);
          walk(child, `${path}.${key}`);
        }
      }
      for (const k of ['anyOf', 'oneOf', 'allOf'])
        for (const c of (n[k] as unknown[] | undefined) ?? []) walk(c, path);
      if (n.items !== undefined) walk(n.items, `${path}[]`);
    };
    const sections = {
      mqttConfigSchema,
      kafkaConfigSchema,
      alignConfigSchema,
      windowConfigSchema,
      deadLetterConfigSchema,
    };
    for (const [name, schema] of Object.entries(sections)) {
      walk(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }), name);
    }
    expect(undocumented).toEqual([]);
  });

  it.each(['mqtt/sample.yaml', 'kafka/sample.yaml'])('parses the sample %s', (file) => {
    process.env.GRUWATCH_MQTT_PASSWORD = 'sample';
    process.env.GRUWATCH_KAFKA_PASSWORD = 'sample';
    const doc = parseYaml(readFileSync(fileURLToPath(new URL(file, import.meta.url)), 'utf8'));
    const result = ingestConfigSchema.safeParse(doc.ingest);
    expect(result.success ? [] : result.error.issues).toEqual([]);
  });
});
