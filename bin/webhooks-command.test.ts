import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import type { LocalStore } from '../detector/sinks/index.js';
import { configSchema } from './config.js';
import { loadConfig } from './load-config.js';
import { openConfiguredStore, registerWebhooksCommand } from './webhooks-command.js';

const minimalConfig = (dataDir: string) => `
dataDir: ${JSON.stringify(dataDir)}
ingest:
  mqtt: { url: 'mqtt://127.0.0.1:1883', clientId: test, topics: ['plants/{asset}/telemetry'] }
  decoder: { type: json }
  assets: [{ channels: [flow, speed] }]
  window: { T: 64, hop: 16 }
`;

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'gruwatch-webhooks-'));
  const file = join(dir, 'gruwatch.yaml');
  writeFileSync(file, minimalConfig(dir));
  return { dir, file };
}

/** Puts three rows into the outbox of two sinks and dead-letters them all. */
function seedDeadLetters(store: LocalStore, nowMs: number): void {
  const enqueue = (sink: string, keys: string[]) => {
    store.outbox.enqueue(
      sink,
      keys.map((key) => ({ key, payload: JSON.stringify({ key }) })),
      nowMs,
    );
    const rows = store.outbox.peek(sink, nowMs, 100, 1 << 20);
    store.outbox.deadLetter(
      sink,
      rows.map((r) => r.id),
      'HTTP 500 from receiver',
      nowMs,
    );
  };
  enqueue('webhook:ops', ['a-opened', 'a-resolved']);
  enqueue('webhook:audit', ['b-opened']);
}

async function run(args: string[]) {
  let out = '';
  const program = new Command('gruwatch').exitOverride();
  program.configureOutput({ writeOut: () => {}, writeErr: () => {} });
  registerWebhooksCommand(program, { out: (t) => (out += t), err: () => {}, env: {} });
  await program.parseAsync(args, { from: 'user' });
  return out;
}

describe('gruwatch webhooks', () => {
  it('lists the dead letters and replays the chosen ones into the outbox, even while another handle holds the store', async () => {
    const { file } = setup();
    const { config } = loadConfig(configSchema, { file, env: {} });
    // The "service" keeps its own handle open the whole time, as a running one would.
    const service = openConfiguredStore(config);
    seedDeadLetters(service, new ManualClock(5_000).nowMs());

    const listed = await run(['webhooks', 'list', '-c', file, '--json']);
    const letters = listed
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: number; sink: string; key: string; error: string });
    expect(letters.map((l) => [l.sink, l.key])).toEqual([
      ['webhook:ops', 'a-opened'],
      ['webhook:ops', 'a-resolved'],
      ['webhook:audit', 'b-opened'],
    ]);
    expect(letters[0]!.error).toContain('HTTP 500');

    const table = await run(['webhooks', 'list', '-c', file, '--sink', 'webhook:audit']);
    expect(table).toContain('b-opened');
    expect(table).not.toContain('a-opened');

    const first = letters[0]!.id;
    expect(await run(['webhooks', 'replay', '-c', file, '--id', String(first)])).toBe(
      'replayed 1 dead letter into the outbox\n',
    );
    // What the service's drainer will see on its next poll.
    expect(service.outbox.peek('webhook:ops', 10_000, 100, 1 << 20).map((r) => r.key)).toEqual(['a-opened']);
    expect(service.outbox.peek('webhook:audit', 10_000, 100, 1 << 20)).toEqual([]);

    expect(await run(['webhooks', 'replay', '-c', file, '--sink', 'webhook:audit'])).toBe(
      'replayed 1 dead letter into the outbox\n',
    );
    expect(service.outbox.peek('webhook:audit', 10_000, 100, 1 << 20).map((r) => r.key)).toEqual([
      'b-opened',
    ]);
    expect((await run(['webhooks', 'list', '-c', file, '--json'])).trim().split('\n')).toHaveLength(1);

    expect(await run(['webhooks', 'replay', '-c', file])).toBe('replayed 1 dead letter into the outbox\n');
    expect(await run(['webhooks', 'list', '-c', file])).toBe('no dead letters\n');
    // The service's queue sizes follow the other writer once it looks again.
    await service.waitForCapacity();
    expect(service.outbox.depth().rows).toBe(3);
    service.close();
  });

  it('names the option at fault for a malformed id', async () => {
    const { file } = setup();
    await expect(run(['webhooks', 'replay', '-c', file, '--id', 'seven'])).rejects.toThrow(
      /--id must be a whole number of at least 1, got "seven"/,
    );
  });

  it('finds nothing to list in a fresh store', async () => {
    const { file } = setup();
    expect(await run(['webhooks', 'list', '-c', file])).toBe('no dead letters\n');
    expect(await run(['webhooks', 'replay', '-c', file])).toBe('replayed 0 dead letters into the outbox\n');
  });
});
