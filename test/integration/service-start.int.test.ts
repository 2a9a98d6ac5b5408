// `gruwatch run` starting before its broker: it keeps trying, answers /readyz
// with 503 and the reason, and becomes ready once the real Mosquitto comes up.
// Silences added through the API survive a restart under their id. A bad
// configuration stops start-up with the field at fault and exit code 78. The
// running API refuses what a page of another site (or a rebound DNS name)
// would send; on SIGTERM the process exits as soon as it logged "Stopped.".

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { runCli } from '../../bin/cli.js';
import { configSchema } from '../../bin/config.js';
import { loadConfig } from '../../bin/load-config.js';
import { type RunningService, startService } from '../../bin/service.js';
import { createSilentLogger, systemClock } from '../../core/index.js';
import type { Readiness, SilenceView } from '../../dashboards/api/index.js';
import { freePort } from '../helpers/free-port.js';
import {
  describeWithServer,
  onTeardown,
  startServer,
  stopServer,
  uniqueName,
  waitFor,
} from '../helpers/integration.js';
import { gruwatchCli } from '../helpers/service-process.js';

/** One raw HTTP request, with the Host and Origin a browser would send (fetch may not set Host). */
function rawRequest(
  port: number,
  options: { method: string; path: string; headers: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: options.method, path: options.path, headers: options.headers },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describeWithServer('mosquitto', 'gruwatch run start-up', (mosquitto) => {
  const setup = async (mqtt: Record<string, unknown> = {}) => {
    const dir = mkdtempSync(join(tmpdir(), 'gruwatch-start-'));
    onTeardown(() => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    const config = configSchema.parse({
      dataDir: join(dir, 'data'),
      http: { port },
      ingest: {
        mqtt: {
          url: mosquitto.url,
          clientId: uniqueName('gruwatch-start'),
          topics: [`plants/${uniqueName('site')}/{asset}/telemetry`],
          reconnect: { initialDelayMs: 200, maxDelayMs: 1_000, multiplier: 2 },
          ...mqtt,
        },
        decoder: { type: 'json' },
        assets: [{ channels: ['flow', 'speed'] }],
        window: { T: 64, hop: 16 },
      },
      detector: { scoring: { hopSteps: 16 } },
    });
    const start = async (): Promise<RunningService> => {
      const service = await startService(config, { logger: createSilentLogger(), clock: systemClock });
      onTeardown(() => service.stop());
      return service;
    };
    return { dir, base: `http://127.0.0.1:${port}`, start };
  };

  it('reports not ready with a reason while the broker is down, and ready once it is up', async () => {
    const { base, start } = await setup();
    await stopServer('mosquitto');
    // Registered first so it runs last: the broker is back whatever happens below.
    onTeardown(() => startServer('mosquitto'));
    await start();

    const down = await fetch(`${base}/readyz`);
    expect(down.status).toBe(503);
    const body = (await down.json()) as Readiness;
    expect(body.ready).toBe(false);
    const ingest = body.checks.find((c) => c.name === 'ingest');
    expect(ingest?.ready).toBe(false);
    expect(ingest?.detail).toMatch(/connecting/);
    // Still trying a few reconnect periods later, not given up.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    await startServer('mosquitto');
    const up = await waitFor(
      async () => {
        const res = await fetch(`${base}/readyz`);
        return res.status === 200 ? ((await res.json()) as Readiness) : false;
      },
      { what: 'gruwatch ready after Mosquitto came back', timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(up.checks.every((c) => c.ready)).toBe(true);
  });

  it('reports why when the broker refuses the credentials for good', async () => {
    const { base, start } = await setup({
      url: mosquitto.authUrl,
      username: mosquitto.username,
      password: 'not-it',
    });
    await start();
    const body = await waitFor(
      async () => {
        const readiness = (await (await fetch(`${base}/readyz`)).json()) as Readiness;
        const detail = readiness.checks.find((c) => c.name === 'ingest')?.detail ?? '';
        return /failed permanently/.test(detail) ? readiness : false;
      },
      { what: 'readiness naming the refused connection', timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(body.ready).toBe(false);
    expect(body.checks.find((c) => c.name === 'ingest')?.detail).toMatch(/refused the connection/);
  });

  it('keeps API silences across a restart under a stable id, removable by id or by pattern', async () => {
    const { base, start } = await setup();
    const post = async (asset: string) => {
      const res = await fetch(`${base}/api/silences`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ asset, durationMs: 3_600_000, reason: `work on ${asset}` }),
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as { silence: SilenceView }).silence;
    };
    const list = async () =>
      ((await (await fetch(`${base}/api/silences`)).json()) as { silences: SilenceView[] }).silences;

    let service = await start();
    const first = await post('pump-1*');
    const second = await post('fan-?');
    expect(first.id).toMatch(/\S/);
    expect(first.id).not.toBe(second.id);
    await service.stop();

    service = await start();
    const restored = await list();
    expect(restored.map((s) => [s.id, s.assetPattern, s.reason])).toEqual([
      [first.id, 'pump-1*', 'work on pump-1*'],
      [second.id, 'fan-?', 'work on fan-?'],
    ]);
    expect(restored[0]!.untilMs).toBe(first.untilMs);

    expect((await fetch(`${base}/api/silences/${first.id}`, { method: 'DELETE' })).status).toBe(204);
    // The live page of earlier releases removes by asset pattern.
    expect(
      (await fetch(`${base}/api/silences/${encodeURIComponent('fan-?')}`, { method: 'DELETE' })).status,
    ).toBe(204);
    expect((await fetch(`${base}/api/silences/${first.id}`, { method: 'DELETE' })).status).toBe(404);
    await service.stop();

    await start();
    expect(await list()).toEqual([]);
  });

  it("refuses a cross-site POST, a form-encoded POST and a rebound Host name, and takes its own page's POST", async () => {
    const { base, start } = await setup();
    await start();
    const port = Number(new URL(base).port);
    const host = `127.0.0.1:${port}`;
    const silence = JSON.stringify({ asset: 'pump-7', durationMs: 60_000, reason: 'cross-site' });
    const post = (headers: Record<string, string>, body = silence) =>
      rawRequest(port, { method: 'POST', path: '/api/silences', headers, body });

    const crossSite = await post({
      host,
      origin: 'https://intranet-page.example',
      'sec-fetch-site': 'cross-site',
      'content-type': 'application/json',
    });
    expect([crossSite.status, JSON.parse(crossSite.body).error]).toEqual([403, 'forbidden']);
    // What a no-cors fetch or a form may send: no JSON content type.
    const noCors = await post({ host, 'content-type': 'text/plain;charset=UTF-8' });
    expect(noCors.status).toBe(415);
    const rollback = await rawRequest(port, {
      method: 'POST',
      path: '/api/models/pumps/rollback',
      headers: { host, origin: 'https://intranet-page.example' },
    });
    expect(rollback.status).toBe(403);
    // DNS rebinding: the attacker's name now points at 127.0.0.1, the browser sends it as Host.
    const rebound = await rawRequest(port, {
      method: 'GET',
      path: '/api/silences',
      headers: { host: `rebind.attacker.example:${port}` },
    });
    expect(rebound.status).toBe(403);
    expect(
      JSON.parse((await rawRequest(port, { method: 'GET', path: '/api/silences', headers: { host } })).body),
    ).toEqual({ silences: [] });

    const own = await post({
      host,
      origin: `http://${host}`,
      'sec-fetch-site': 'same-origin',
      'content-type': 'application/json',
    });
    expect(own.status).toBe(201);
  });

  it('exits as soon as it logged "Stopped." on SIGTERM, with a sink whose drainer was running', async () => {
    const receiver = createServer((_req, res) => res.writeHead(200).end());
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    onTeardown(() => new Promise((resolve) => receiver.close(resolve)));
    const dir = mkdtempSync(join(tmpdir(), 'gruwatch-sigterm-'));
    onTeardown(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'gruwatch.yaml');
    writeFileSync(
      file,
      JSON.stringify({
        dataDir: join(dir, 'data'),
        http: { port: 0 },
        ingest: {
          mqtt: {
            url: mosquitto.url,
            clientId: uniqueName('gruwatch-sigterm'),
            topics: ['plants/{asset}/x'],
          },
          decoder: { type: 'json' },
          assets: [{ channels: ['flow', 'speed'] }],
          window: { T: 64, hop: 16 },
        },
        detector: { scoring: { hopSteps: 16 } },
        sinks: [
          {
            type: 'webhook',
            name: 'ops',
            url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
            signingKey: 'whsec-sigterm',
          },
        ],
      }),
    );
    const child = spawn(process.execPath, [gruwatchCli, 'run', '--config', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onTeardown(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    let output = '';
    let stoppedAtMs: number | undefined;
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (stoppedAtMs === undefined && output.includes('"msg":"Stopped."')) stoppedAtMs = performance.now();
    });
    const exited = new Promise<{ code: number | null; atMs: number }>((resolve) =>
      child.on('exit', (code) => resolve({ code, atMs: performance.now() })),
    );
    await waitFor(() => output.includes('gruwatch is ready'), {
      what: 'the service ready',
      timeoutMs: 20_000,
    });
    child.kill('SIGTERM');
    const { code, atMs } = await exited;
    expect(code).toBe(0);
    expect(stoppedAtMs, output).toBeDefined();
    // Before, a drainer's deadline timer (5 s) kept the process after "Stopped.".
    expect(atMs - stoppedAtMs!).toBeLessThan(2_000);
  });

  it('delivers dead letters that `gruwatch webhooks replay` put back, while the service runs', async () => {
    const received: { key: string | undefined; body: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push({ key: req.headers['idempotency-key'] as string | undefined, body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    onTeardown(() => new Promise((resolve) => receiver.close(resolve)));
    const receiverPort = (receiver.address() as AddressInfo).port;

    const dir = mkdtempSync(join(tmpdir(), 'gruwatch-replay-'));
    onTeardown(() => rmSync(dir, { recursive: true, force: true }));
    const httpPort = await freePort();
    const file = join(dir, 'gruwatch.yaml');
    writeFileSync(
      file,
      JSON.stringify({
        dataDir: join(dir, 'data'),
        http: { port: httpPort },
        ingest: {
          mqtt: {
            url: mosquitto.url,
            clientId: uniqueName('gruwatch-replay'),
            topics: ['plants/{asset}/telemetry'],
          },
          decoder: { type: 'json' },
          assets: [{ channels: ['flow', 'speed'] }],
          window: { T: 64, hop: 16 },
        },
        detector: { scoring: { hopSteps: 16 } },
        sinks: [
          {
            type: 'webhook',
            name: 'ops',
            url: `http://127.0.0.1:${receiverPort}/hooks`,
            signingKey: 'whsec-replay',
            retry: { initialDelayMs: 100, maxDelayMs: 500 },
          },
        ],
      }),
    );
    const { config } = loadConfig(configSchema, { file, env: {} });
    const service = await startService(config, { logger: createSilentLogger(), clock: systemClock });
    onTeardown(() => service.stop());

    // A delivery that gave up earlier, as the drainer leaves it in the dead-letter table.
    const payload = JSON.stringify({ specversion: '1.0', id: 'alert-1:opened', type: 'replay-test' });
    const db = new Database(join(dir, 'data', 'gruwatch.db'));
    db.prepare(
      `INSERT INTO dead_letters (sink, key, payload, attempts, error, created_ms, dead_lettered_ms)
       VALUES ('webhook:ops', 'alert-1:opened', ?, 8, 'HTTP 500', 1, 2)`,
    ).run(payload);
    db.close();

    let out = '';
    const cli = (...args: string[]) => runCli(args, { out: (t) => (out += t), err: () => {}, env: {} });
    expect(await cli('webhooks', 'list', '-c', file)).toBe(0);
    expect(out).toContain('alert-1:opened');
    out = '';
    expect(await cli('webhooks', 'replay', '-c', file, '--sink', 'webhook:ops')).toBe(0);
    expect(out).toBe('replayed 1 dead letter into the outbox\n');

    const delivered = await waitFor(() => received.length > 0 && received, {
      what: 'the replayed webhook at the receiver',
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    expect(delivered).toEqual([{ key: 'alert-1:opened', body: payload }]);
    out = '';
    expect(await cli('webhooks', 'list', '-c', file)).toBe(0);
    expect(out).toBe('no dead letters\n');
    await waitFor(
      async () =>
        (await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text()).includes(
          'sink_records_delivered_total{sink="webhook:ops"} 1',
        ),
      { what: 'the delivery counted in /metrics', timeoutMs: 5_000 },
    );
    const metricsText = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    expect(metricsText).toContain('sink_queue_depth_rows{sink="webhook:ops"} 0');
  });

  it('stops `gruwatch run` on a bad configuration with the field at fault and exit code 78', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gruwatch-badconfig-'));
    onTeardown(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'gruwatch.yaml');
    writeFileSync(
      file,
      [
        'ingest:',
        `  mqtt: { url: '${mosquitto.url}', clientId: bad, topics: ['plants/{asset}/telemetry'] }`,
        '  decoder: { type: json }',
        '  assets: [{ channels: [flow, speed] }]',
        '  window: { T: 64, hop: 16 }',
        'detector: { scoring: { hopSteps: 16 } }',
        'http: { port: 70000 }',
        '',
      ].join('\n'),
    );
    let err = '';
    const code = await runCli(['run', '-c', file], { out: () => {}, err: (t) => (err += t), env: {} });
    expect(code).toBe(78);
    expect(err).toContain(file);
    expect(err).toMatch(/http\.port/);
  });
});
