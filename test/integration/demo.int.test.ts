// `gruwatch demo` as a newcomer runs it: the built CLI, no configuration, no
// servers. It must train, serve the page, turn a planted anomaly into an
// alert in the API, and stop cleanly on Ctrl-C, leaving no temporary data.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { onTeardown, waitFor } from '../helpers/integration.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(root, 'dist', 'bin', 'gruwatch.js');
const artifactsDir = process.env.GRUWATCH_TEST_ARTIFACTS_DIR ?? join(root, 'test-artifacts');

interface Demo {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startDemo(args: string[]): Demo {
  const child = spawn(process.execPath, [cli, 'demo', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, out: () => out, err: () => err, exited };
}

async function listen(port = 0): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}

const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)),
  ]);

describe('gruwatch demo', () => {
  it('shows a planted anomaly as an alert in the API within two minutes, serves the page, and stops cleanly on SIGINT', async () => {
    expect(existsSync(cli), `${cli} is missing; run npm run build first`).toBe(true);
    const port = await freePort();
    const startedMs = Date.now();
    const demo = startDemo(['--port', String(port), '--anomaly-every-s', '20']);
    onTeardown(() => {
      // A demo killed by a failed test cannot remove its own temporary directory.
      demo.child.kill('SIGKILL');
      const dir = /data in (\S+);/.exec(demo.out())?.[1];
      if (dir?.includes('gruwatch-demo-')) rmSync(dir, { recursive: true, force: true });
    });
    const logs = join(artifactsDir, 'demo');
    mkdirSync(logs, { recursive: true });
    onTeardown(() => {
      writeFileSync(join(logs, 'stdout.log'), demo.out());
      writeFileSync(join(logs, 'stderr.log'), demo.err());
    });

    const base = `http://127.0.0.1:${port}`;
    await waitFor(() => demo.out().includes(`gruwatch demo: open ${base}/`), {
      what: 'the page URL on stdout',
      // Training the first model takes about 12 s on an idle 2-core machine and over 60 s on a busy
      // one: the page shares the launch-to-alert bound below rather than having one of its own.
      timeoutMs: 140_000,
    });
    const opened = await waitFor(
      async () => {
        const res = await fetch(`${base}/api/alerts?limit=100`);
        const body = (await res.json()) as {
          alerts: { type: string; assetId: string; topChannels: string[]; atMs: number }[];
        };
        return body.alerts.find((a) => a.type === 'opened');
      },
      // One bound from launch to the first alert, however long the model took.
      {
        what: 'an opened alert in /api/alerts',
        timeoutMs: Math.max(1_000, 140_000 - (Date.now() - startedMs)),
        intervalMs: 1_000,
      },
    );
    const secondsToAlert = (Date.now() - startedMs) / 1000;
    writeFileSync(join(logs, 'first-alert.json'), `${JSON.stringify({ secondsToAlert, opened }, null, 2)}\n`);

    // The alert is on an asset where an anomaly was planted before it opened.
    const planted = [...demo.out().matchAll(/^(\d\d:\d\d:\d\d) planted +(\S+) (\S+) on (\S+)/gm)];
    expect(planted.length).toBeGreaterThan(0);
    expect(planted.map((m) => m[2])).toContain(opened.assetId);
    // …and the terminal says so, in one line.
    await waitFor(() => new RegExp(`opened +${opened.assetId} `).test(demo.out()), {
      what: 'the alert line on stdout',
      timeoutMs: 5_000,
    });

    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<title>gruwatch</title>');

    const dataDir = /data in (\S+);/.exec(demo.out())?.[1];
    expect(dataDir, 'the data directory is printed').toBeDefined();
    expect(existsSync(dataDir!)).toBe(true);

    demo.child.kill('SIGINT');
    const exit = await within(demo.exited, 15_000, 'stopping after SIGINT');
    expect(exit).toEqual({ code: 0, signal: null });
    // The temporary data directory goes with the demo, and the port is free again.
    expect(existsSync(dataDir!)).toBe(false);
    const again = await listen(port);
    await new Promise((resolve) => again.close(resolve));
  }, 150_000);

  it('says clearly when the HTTP port is taken, before training', async () => {
    const holder = await listen();
    onTeardown(() => new Promise((resolve) => holder.close(resolve)));
    const { port } = holder.address() as AddressInfo;
    const demo = startDemo(['--port', String(port)]);
    onTeardown(() => demo.child.kill('SIGKILL'));
    const exit = await within(demo.exited, 10_000, 'refusing a taken port');
    expect(exit.code).toBe(1);
    expect(demo.err()).toContain(`port ${port} on 127.0.0.1 is taken`);
    expect(demo.err()).toContain('--port');
    expect(demo.err()).not.toContain('training');
  });
});
