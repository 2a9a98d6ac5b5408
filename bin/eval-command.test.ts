import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerEvalCommand } from './eval-command.js';

function program(): Command {
  const p = new Command('gruwatch').exitOverride();
  p.configureOutput({ writeOut: () => {}, writeErr: () => {} });
  registerEvalCommand(p, { out: () => {}, err: () => {}, env: {} });
  return p;
}

describe('gruwatch eval command', () => {
  it('requires --data', async () => {
    await expect(program().parseAsync(['eval'], { from: 'user' })).rejects.toThrow(/--data <dir>/);
  });

  it('names the option at fault when a number is malformed', async () => {
    await expect(
      program().parseAsync(['eval', '--data', '.', '--train-rows', 'many'], { from: 'user' }),
    ).rejects.toThrow(/--train-rows must be a whole number of at least 1, got "many"/);
    await expect(
      program().parseAsync(['eval', '--data', '.', '--seed', '-3'], { from: 'user' }),
    ).rejects.toThrow(/--seed must be a whole number from 0 to 4294967295, got "-3"/);
  });

  it('refuses a config file that cannot be read', async () => {
    await expect(
      program().parseAsync(['eval', '--data', '.', '--config', '/nonexistent/eval.yaml'], { from: 'user' }),
    ).rejects.toThrow(/cannot read --config \/nonexistent\/eval\.yaml/);
  });
});
