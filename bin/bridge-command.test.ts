// `config check` and `gruwatch bridge` on the `bridge` section, and the refusal of MQTT shared
// subscriptions in front of stateful windows.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli.js';

async function run(args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (t) => (out += t), err: (t) => (err += t), env: {} });
  return { code, out, err };
}

const windows = `
  decoder: { type: json }
  assets: [{ channels: [flow, speed] }]
  window: { T: 64, hop: 16 }
`;

function tempFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'gruwatch-bridge-cli-')), 'plant.yaml');
  writeFileSync(file, text);
  return file;
}

const bridge = `
bridge:
  mqtt: { url: 'mqtt://127.0.0.1:1883', clientId: bridge-1, topics: ['spBv1.0/north/#'] }
  decoder: { type: sparkplug-b, groupIds: [north] }
  kafka: { brokers: ['127.0.0.1:9092'], topic: plant-telemetry }
`;

describe('the bridge section and shared subscriptions in config check', () => {
  it('refuses ingest.mqtt.sharedGroup with exit code 78, naming the key, its line and the alternatives', async () => {
    const file = tempFile(`ingest:
  mqtt: { url: 'mqtt://127.0.0.1:1883', clientId: gw-1, topics: ['plants/{asset}/telemetry'], sharedGroup: north }
${windows}`);
    const { code, err } = await run(['config', 'check', file]);
    expect(code).toBe(78);
    expect(err).toContain('ingest.mqtt.sharedGroup:');
    expect(err).toContain(`${file}:2`);
    expect(err).toContain('gruwatch bridge');
  });

  it('accepts Kafka instances and the bridge that feeds them in one file', async () => {
    const file = tempFile(`ingest:
  kafka: { brokers: ['127.0.0.1:9092'], groupId: north, topics: [plant-telemetry] }
${windows}${bridge}`);
    const { code, out, err } = await run(['config', 'check', file]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('valid');
  });

  it('refuses a shared subscription on the bridge too', async () => {
    const file = tempFile(`ingest:
  kafka: { brokers: ['127.0.0.1:9092'], groupId: north, topics: [plant-telemetry] }
${windows}${bridge.replace("topics: ['spBv1.0/north/#']", "topics: ['spBv1.0/north/#'], sharedGroup: b")}`);
    const { code, err } = await run(['config', 'check', file]);
    expect(code).toBe(78);
    expect(err).toContain('bridge.mqtt.sharedGroup:');
  });

  it('gruwatch bridge refuses a file without a bridge section before connecting anywhere', async () => {
    const file = tempFile(`ingest:
  kafka: { brokers: ['127.0.0.1:9092'], groupId: north, topics: [plant-telemetry] }
${windows}`);
    const { code, err } = await run(['bridge', '-c', file]);
    expect(code).toBe(78);
    expect(err).toContain('has no `bridge` section');
  });
});
