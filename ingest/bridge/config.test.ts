// The bridge section: defaults, and the settings that would break order or acknowledgement.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { bridgeConfigSchema } from './config.js';

const minimal = {
  mqtt: { url: 'mqtt://127.0.0.1:1883', clientId: 'bridge-1', topics: ['plants/{asset}/{channel}'] },
  decoder: { type: 'json' },
  kafka: { brokers: ['127.0.0.1:9092'], topic: 'plant-telemetry' },
};

function messages(input: unknown): string[] {
  const result = bridgeConfigSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('bridge config', () => {
  it('fills the defaults: persistent session at QoS 1, loopback endpoints, no dead letters', () => {
    const config = bridgeConfigSchema.parse(minimal);
    expect(config.mqtt).toMatchObject({ qos: 1, isSessionPersistent: true });
    expect(config.kafka.clientId).toBe('gruwatch-bridge');
    expect(config.http).toEqual({ host: '127.0.0.1', port: 8081 });
    expect(config.deadLetter).toEqual({ type: 'none' });
  });

  it('refuses a shared subscription, several connections, a window above 1 and QoS 0, naming the key', () => {
    expect(messages({ ...minimal, mqtt: { ...minimal.mqtt, sharedGroup: 'g' } })).toEqual([
      expect.stringMatching(/^mqtt\.sharedGroup: `bridge\.mqtt\.sharedGroup`/),
    ]);
    expect(messages({ ...minimal, mqtt: { ...minimal.mqtt, connections: 2 } })).toEqual([
      expect.stringMatching(/^mqtt\.connections: `bridge\.mqtt\.connections` must be 1/),
    ]);
    expect(messages({ ...minimal, mqtt: { ...minimal.mqtt, receiveMaximum: 10 } })).toEqual([
      expect.stringMatching(/^mqtt\.receiveMaximum: `bridge\.mqtt\.receiveMaximum` must be 1/),
    ]);
    expect(messages({ ...minimal, mqtt: { ...minimal.mqtt, receiveMaximum: 1 } })).toEqual([]);
    expect(messages({ ...minimal, mqtt: { ...minimal.mqtt, qos: 0 } })).toEqual([
      expect.stringMatching(/^mqtt\.qos: `bridge\.mqtt\.qos` must be 1/),
    ]);
  });

  it('parses its sample.yaml', () => {
    process.env.GRUWATCH_MQTT_PASSWORD = 'sample';
    const doc = parseYaml(readFileSync(fileURLToPath(new URL('sample.yaml', import.meta.url)), 'utf8'));
    const result = bridgeConfigSchema.safeParse(doc.bridge);
    delete process.env.GRUWATCH_MQTT_PASSWORD;
    expect(result.success ? [] : result.error.issues).toEqual([]);
  });
});
