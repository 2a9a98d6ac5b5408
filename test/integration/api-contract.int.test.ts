// The HTTP API of a real `gruwatch run` (the built CLI as a child process, fed
// through the shared Mosquitto) against the schemas the page is typed with:
// every route is fetched once data flows, so that each list is non-empty, and
// every answer, every request body sent and every live-stream event must match.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import {
  type ApiRouteName,
  apiRoutes,
  liveMessageSchema,
  refusalSchema,
} from '../../dashboards/api/index.js';
import { createModelRegistry } from '../../model/node/index.js';
import { freePort } from '../helpers/free-port.js';
import { describeWithServer, onTeardown, uniqueName, waitFor } from '../helpers/integration.js';
import { spawnGruwatch, testArtifactsDir } from '../helpers/service-process.js';
import {
  prepareSmallService,
  smallChannels,
  smallPeriodMs,
  smallServiceConfig,
  smallValue,
  trainSmallModel,
} from '../helpers/small-service.js';
import { mosquittoPub } from '../helpers/third-party-publishers.js';

const assetId = 'machine-1';
const normalSeconds = 240;
const faultSeconds = 60;

describeWithServer('mosquitto', 'the HTTP API of a running service', (mosquitto) => {
  it('answers every route with JSON the page schemas accept, and accepts their request bodies', async () => {
    const { dir, dataDir } = await prepareSmallService('gruwatch-api-');
    // A second version, so that rollback and promote have somewhere to go.
    await trainSmallModel(join(dataDir, 'models'));
    const versions = await createModelRegistry(join(dataDir, 'models')).versions('small');
    expect(versions).toHaveLength(2);

    const site = uniqueName('site');
    const httpPort = await freePort();
    const closedPort = await freePort();
    const base = smallServiceConfig(dataDir, httpPort, {
      mqtt: {
        url: mosquitto.url,
        clientId: uniqueName('gruwatch-api'),
        topics: [`plants/${site}/{asset}/telemetry`],
      },
    });
    const configFile = join(dir, 'gruwatch.yaml');
    writeFileSync(
      configFile,
      JSON.stringify({
        ...base,
        detector: {
          ...base.detector,
          alerts: { minAboveMs: 4_000, clearBelowMs: 4_000, cooldownMs: 4_000 },
          silences: [
            {
              assetPattern: 'machine-9*',
              untilMs: Date.now() + 3_600_000,
              reason: 'rebuild',
              createdBy: 'config',
            },
          ],
        },
        // Nobody listens there: the alert events wait in the outbox, so deliveries have rows.
        sinks: [
          {
            type: 'webhook',
            name: 'ops',
            url: `http://127.0.0.1:${closedPort}/hook`,
            signingKey: 'whsec-api',
          },
        ],
      }),
    );
    const logs = join(testArtifactsDir, 'api-contract');
    mkdirSync(logs, { recursive: true });
    const child = spawnGruwatch(['run', '-c', configFile], join(logs, 'gruwatch.log'));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    onTeardown(() => child.kill('SIGKILL'));
    const url = (path: string) => `http://127.0.0.1:${httpPort}${path}`;
    await waitFor(async () => (await fetch(url('/readyz'))).ok, {
      what: 'gruwatch ready',
      timeoutMs: 30_000,
    });

    // The live stream, open before the data comes: every event must match the stream schema.
    const stream = new AbortController();
    onTeardown(() => stream.abort());
    const events: { type: string; data: unknown }[] = [];
    const streamed = (async () => {
      const res = await fetch(url('/api/stream'), { signal: stream.signal });
      expect(res.status).toBe(apiRoutes.stream.status);
      const decoder = new TextDecoder();
      let text = '';
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        let end = text.indexOf('\n\n');
        while (end >= 0) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          const type = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (type !== undefined && data !== undefined) events.push({ type, data: JSON.parse(data) });
          end = text.indexOf('\n\n');
        }
      }
    })().catch((err: unknown) => {
      if (!stream.signal.aborted) throw err;
    });

    // Minutes of the machine (event time from the data), then channel a far off its curve.
    const t0 = Math.floor(Date.now() / smallPeriodMs) * smallPeriodMs - 10 * 60_000;
    const lines: string[] = [];
    for (let seq = 0; seq < normalSeconds + faultSeconds; seq++)
      for (const channel of smallChannels) {
        const value = seq >= normalSeconds && channel === 'a' ? 500 : smallValue(channel, seq);
        lines.push(
          `{"asset":"${assetId}","channel":"${channel}","ts":${t0 + seq * smallPeriodMs},"value":${value}}`,
        );
      }
    await mosquittoPub(mosquitto.url, `plants/${site}/${assetId}/telemetry`, lines);
    await waitFor(
      async () =>
        ((await (await fetch(url('/api/alerts'))).json()) as { alerts: unknown[] }).alerts.length > 0,
      { what: 'an alert of the faulty channel', timeoutMs: 60_000 },
    );

    const send = async (name: ApiRouteName, path: string, body?: unknown) => {
      const route = apiRoutes[name];
      if ('body' in route && route.body !== undefined)
        expect(route.body.safeParse(body).error, `${name} request body`).toBeUndefined();
      const res = await fetch(url(path), {
        method: route.method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      expect([name, res.status, res.status < 300 ? '' : text]).toEqual([name, route.status, '']);
      return text === '' ? undefined : (JSON.parse(text) as unknown);
    };
    const checked = new Map<ApiRouteName, unknown>();
    const check = async (name: ApiRouteName, path: string, body?: unknown) => {
      const json = await send(name, path, body);
      const schema = apiRoutes[name].response;
      if (schema !== null) expect(schema.safeParse(json).error, `${name} answer`).toBeUndefined();
      checked.set(name, json);
      return json;
    };

    // The changes first, so that the lists read afterwards hold what they made.
    await check('addSilence', '/api/silences', {
      asset: 'machine-2',
      durationMs: 600_000,
      reason: 'valve swap',
    });
    await check('addLabel', '/api/labels', {
      assetPattern: assetId,
      fromMs: t0,
      toMs: t0 + normalSeconds * smallPeriodMs,
      kind: 'normal',
      reason: 'commissioning run',
    });
    const [previous, current] = versions as [string, string];
    await check('rollback', '/api/models/small/rollback', {});
    await check('promote', '/api/models/small/promote', { version: current });
    expect((checked.get('promote') as { version: string }).version).toBe(current);
    expect((checked.get('rollback') as { to: string }).to).toBe(previous);

    const lists: [ApiRouteName, string, string][] = [
      ['readiness', '/readyz', 'checks'],
      ['assets', '/api/assets', 'assets'],
      ['scores', `/api/assets/${assetId}/scores`, 'scores'],
      ['frames', `/api/assets/${assetId}/frames`, 'points'],
      ['alerts', '/api/alerts', 'alerts'],
      ['silences', '/api/silences', 'silences'],
      ['models', '/api/models', 'models'],
      ['modelEvents', '/api/models/events', 'events'],
      ['labels', '/api/labels', 'labels'],
      ['deliveries', '/api/deliveries', 'sinks'],
    ];
    for (const [name, path, key] of lists) {
      const json = (await check(name, path)) as Record<string, unknown[]>;
      expect([name, json[key]!.length > 0]).toEqual([name, true]);
    }
    await check('health', '/healthz');
    await check('session', '/api/session');
    const metrics = await (await fetch(url(apiRoutes.metrics.path))).text();
    expect(metrics).toContain('gruwatch_');
    checked.set('metrics', metrics);
    // Sources from the configuration and from the API both listed; the frames carry the model's reconstruction.
    const silences = (checked.get('silences') as { silences: { source: string }[] }).silences;
    expect(silences.map((s) => s.source).sort()).toEqual(['api', 'config']);
    const points = (checked.get('frames') as { points: { reconstruction: unknown }[] }).points;
    expect(points.some((p) => p.reconstruction !== null)).toBe(true);

    // Removals and the retraining request last: they empty lists and start a run.
    const { silence } = checked.get('addSilence') as { silence: { id: string } };
    await check('removeSilence', `/api/silences/${silence.id}`);
    const { label } = checked.get('addLabel') as { label: { id: string } };
    await check('removeLabel', `/api/labels/${label.id}`);
    await check('retrain', '/api/models/small/retrain', {});

    // Refusals have their own shape.
    for (const [method, path] of [
      ['POST', '/api/models/nope/retrain'],
      ['DELETE', `/api/labels/${label.id}`],
      ['GET', '/api/alerts?limit=0'],
    ] as const) {
      const res = await fetch(url(path), {
        method,
        ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}),
      });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(refusalSchema.safeParse(await res.json()).error, `${method} ${path}`).toBeUndefined();
    }

    await waitFor(() => ['score', 'alert', 'model'].every((t) => events.some((e) => e.type === t)), {
      what: 'score, alert and model events on the stream',
    });
    stream.abort();
    await streamed;
    checked.set('stream', events.length);
    for (const event of events) expect(liveMessageSchema.safeParse(event).error, event.type).toBeUndefined();

    expect([...checked.keys()].sort()).toEqual(Object.keys(apiRoutes).sort());
    child.kill('SIGTERM');
    await exited;
    process.stdout.write(
      `api contract: ${checked.size} routes and ${events.length} stream events checked against the schemas\n`,
    );
  }, 150_000);
});
