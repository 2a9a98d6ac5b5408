// `gruwatch demo --host`: bound beyond loopback (as in a container), the demo is reached on
// another address than 127.0.0.1 and its API asks for the token from GRUWATCH_HTTP__API_TOKEN.
// 127.0.0.2 stands for "another address": it reaches a wildcard bind, never a 127.0.0.1 bind.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { describeWithRequirement, onTeardown, waitFor } from '../helpers/integration.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(root, 'dist', 'bin', 'gruwatch.js');
const token = `demo-${process.pid}-${Date.now()}`;

/** Starts the demo with these extra flags; resolves once it printed its page's URL. */
async function startDemo(port: number, extraArgs: string[]) {
  const demo: ChildProcess = spawn(
    process.execPath,
    [
      cli,
      'demo',
      '--port',
      String(port),
      '--assets',
      '1',
      '--training-hours',
      '0.5',
      '--anomaly-every-s',
      '600',
      ...extraArgs,
    ],
    { env: { ...process.env, GRUWATCH_HTTP__API_TOKEN: token }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  demo.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  demo.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    demo.once('exit', (code, signal) => resolve({ code, signal })),
  );
  onTeardown(() => demo.kill('SIGKILL'));
  await waitFor(() => /gruwatch demo: open http:\/\/\S+\//.test(out), {
    what: `the demo's page URL (output so far: ${out.slice(-500)})`,
    timeoutMs: 90_000,
  });
  return { demo, exited, output: () => out };
}

describeWithRequirement(
  {
    title: 'gruwatch demo --host',
    isMet: existsSync(cli),
    need: 'the built CLI',
    problem: `${cli} is missing`,
    hint: 'run: npm run build',
  },
  () => {
    it('on 0.0.0.0 answers on another address, asks for the token, and the output never shows it', async () => {
      const port = await freePort();
      const { demo, exited, output } = await startDemo(port, ['--host', '0.0.0.0']);
      const base = `http://127.0.0.2:${port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/api/deliveries`)).status).toBe(401);
      const authorized = await fetch(`${base}/api/deliveries`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(authorized.status).toBe(200);
      demo.kill('SIGINT');
      expect(await exited).toEqual({ code: 0, signal: null });
      expect(output()).not.toContain(token);
    });

    it('by default stays on 127.0.0.1: another loopback address is refused', async () => {
      const port = await freePort();
      const { demo, exited } = await startDemo(port, []);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      await expect(fetch(`http://127.0.0.2:${port}/healthz`)).rejects.toThrow();
      demo.kill('SIGINT');
      expect(await exited).toEqual({ code: 0, signal: null });
    });
  },
);
