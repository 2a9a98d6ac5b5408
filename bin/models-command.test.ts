import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAutoencoder, encodeArtifact } from '../model/index.js';
import { createModelRegistry } from '../model/node/index.js';
import { registerModelsCommand } from './models-command.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gruwatch-models-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]): Promise<string> {
  let out = '';
  const program = new Command('gruwatch').exitOverride();
  program.configureOutput({ writeOut: () => {}, writeErr: () => {} });
  registerModelsCommand(program, { out: (t) => (out += t), err: () => {}, env: {} });
  await program.parseAsync(args, { from: 'user' });
  return out;
}

describe('gruwatch models', () => {
  it('works on the registry given with --registry, printing JSON or text', async () => {
    const registry = createModelRegistry(dir);
    const model = createAutoencoder({ C: 1, T: 4, H: 2 }, { seed: 7 });
    await registry.add(
      'pumps',
      encodeArtifact(model, {
        channels: ['flow'],
        hopSteps: 2,
        normalizer: { center: [0], scale: [1] },
        gruwatchVersion: '0.0.0-test',
      }),
      'v1',
    );
    expect(await run('models', 'promote', 'pumps', 'v1', '--registry', dir)).toContain('(none) -> v1');
    expect(JSON.parse(await run('models', 'list', '--json', '--registry', dir))).toEqual({
      name: 'pumps',
      versions: ['v1'],
      current: 'v1',
    });
    expect(await run('models', 'show', 'pumps', '--registry', dir)).toContain('version    v1 (current)\n');
    expect(JSON.parse(await run('models', 'show', 'pumps', '--json', '--registry', dir)).channels).toEqual([
      'flow',
    ]);
  });

  it('refuses to guess the registry', async () => {
    await expect(run('models', 'list')).rejects.toThrow(/-c <file> or the registry with --registry <dir>/);
  });
});
