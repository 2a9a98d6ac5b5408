// `--help` and the README tell a new user the same: every command line the
// README shows runs with options the command has, what promote and rollback
// say about a running service matches the README, and `train --help` describes
// the CSV layout the README documents (test/integration/train-csv.int.test.ts
// trains a model from the example file).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const exampleCsv = join(root, 'deploy', 'config', 'training', 'pump-001.csv');

async function run(args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (t) => (out += t), err: (t) => (err += t), env: {} });
  return { code, out, err };
}

async function helpOf(path: string[]): Promise<string> {
  const { code, out } = await run([...path, '--help']);
  expect(code, `gruwatch ${path.join(' ')} --help`).toBe(0);
  return out;
}

/** `gruwatch …` lines of the README's code blocks. */
function readmeCommandLines(): string[] {
  const blocks = [...readme.matchAll(/```(?:sh)?\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.flatMap((b) => b.split('\n')).filter((line) => /^gruwatch [a-z]/.test(line.trim()));
}

describe('help texts and the README', () => {
  it('every gruwatch command line in the README uses a command and options that exist', async () => {
    const lines = readmeCommandLines();
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) {
      const words = line.replace(/#.*$/, '').trim().split(/\s+/).slice(1);
      // The command path: leading words that are subcommands (lower case, no dot or slash).
      const path: string[] = [];
      for (const word of words) {
        if (!/^[a-z]+$/.test(word)) break;
        const help = await helpOf(path);
        if (!new RegExp(`^\\s+${word}\\b`, 'm').test(help.split(/^Commands:/m)[1] ?? '')) break;
        path.push(word);
      }
      expect(path.length, line).toBeGreaterThan(0);
      const help = await helpOf(path);
      for (const flag of words.filter((w) => /^--?[a-z]/.test(w))) {
        expect(help, `${line}: ${flag} in gruwatch ${path.join(' ')} --help`).toMatch(
          new RegExp(`(^|[ ,])${flag.replace(/[-]/g, '\\-')}\\b`, 'm'),
        );
      }
    }
  });

  it('promote and rollback say, like the README, that a running service follows within retraining.checkIntervalMs', async () => {
    expect(readme).toMatch(/notices the new current model within `retraining\.checkIntervalMs`/);
    for (const command of ['promote', 'rollback']) {
      const help = (await helpOf(['models', command])).replace(/\s+/g, ' ');
      expect(help, command).toContain('serves it within retraining.checkIntervalMs');
      expect(help, command).not.toMatch(/restart(?! needed)/);
    }
  });

  it('train --help describes the CSV layout of the README and names the example file', async () => {
    const help = (await helpOf(['train'])).replace(/\s+/g, ' ');
    const section = readme.split('### Training a first model from CSV files')[1]?.split(/\n## /)[0] ?? '';
    expect(section).not.toBe('');
    for (const fact of ['"datetime;<channel>;…"', '";"-separated', 'in UTC', 'anomaly;changepoint']) {
      expect(help, fact).toContain(fact);
    }
    expect(section).toContain('**Separator** `;`');
    expect(section).toContain('read as **UTC**');
    expect(section).toContain('`anomaly;changepoint`');
    expect(help).toContain('deploy/config/training/pump-001.csv');
    expect(section).toContain('deploy/config/training/pump-001.csv');
    expect(existsSync(exampleCsv)).toBe(true);
  });
});
