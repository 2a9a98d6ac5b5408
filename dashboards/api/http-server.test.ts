import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createSilentLogger, PipelineError, Secret } from '../../core/index.js';
import { createHttpServer } from './http-server.js';
import {
  type ApiRouteName,
  type AssetSnapshot,
  apiRoutes,
  type LabelInput,
  type ModelView,
  maxSilenceMs,
  refusalSchema,
  type ServiceApi,
  type SilenceInput,
} from './index.js';

const asset: AssetSnapshot = {
  assetId: 'pump-1',
  status: 'alerting',
  lastAtMs: 990_000,
  score: 0.9,
  threshold: 0.5,
  ratio: 1.8,
  topChannels: [{ channel: 'vibration', share: 0.7 }],
  openAlertId: 'pump-1-980000',
};

function modelView(version: string): ModelView {
  return {
    name: 'pumps',
    version,
    createdAt: '2026-01-01T00:00:00.000Z',
    channels: ['temperature', 'vibration'],
    dims: { C: 2, T: 16, H: 8 },
    threshold: 0.5,
    calibration: { type: 'quantile', value: 0.5, n: 100 },
    training: { dataRange: null, windows: 10, epochs: 2, bestEpoch: 2, lossCurve: [] },
    needsNewModel: null,
    retraining: null,
    retrainHistory: [],
  };
}

function fakeApi(): ServiceApi & { added: SilenceInput[]; ready: boolean; queries: unknown[] } {
  const added: SilenceInput[] = [];
  const queries: unknown[] = [];
  return {
    added,
    queries,
    ready: false,
    readiness() {
      return [{ name: 'mqtt', ready: this.ready }];
    },
    assets: () => [asset],
    scores(q) {
      queries.push(q);
      return [
        {
          assetId: q.assetId,
          atMs: 990_000,
          score: 0.9,
          threshold: 0.5,
          ratio: 1.8,
          modelVersion: 'v1',
          state: 'ok',
          channels: ['temperature', 'vibration'],
          contributions: [0.3, 0.7],
          topChannels: ['vibration'],
        },
      ];
    },
    alerts(q) {
      queries.push(q);
      return [
        {
          id: 'pump-1-980000',
          assetId: 'pump-1',
          type: 'opened',
          severity: 'warning',
          ratio: 1.8,
          peakRatio: 1.8,
          topChannels: ['vibration'],
          atMs: 980_000,
          openedAtMs: 980_000,
          modelVersion: 'v1',
        },
      ];
    },
    silences: () => added,
    addSilence(input) {
      added.push(input);
      return { id: 's1', ...input };
    },
    removeSilence: (id) => id === 's1',
    models: () => [modelView('v1')],
    subscribe: () => () => {},
  };
}

async function serve<Api extends ServiceApi>(api: Api, apiToken?: string) {
  const app = await createHttpServer({
    api,
    registry: new Registry(),
    logger: createSilentLogger(),
    now: () => 1_000_000,
    ...(apiToken ? { apiToken: new Secret(apiToken) } : {}),
  });
  return { app, api };
}

const server = (apiToken?: string) => serve(fakeApi(), apiToken);

describe('HTTP server', () => {
  it('reports readiness from the service checks', async () => {
    const { app, api } = await server();
    const notReady = await app.inject('/readyz');
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toEqual({ ready: false, checks: [{ name: 'mqtt', ready: false }] });
    api.ready = true;
    expect((await app.inject('/readyz')).statusCode).toBe(200);
  });

  it('requires the bearer token on the API when one is configured, but not on health and metrics', async () => {
    const { app } = await server('s3cret');
    expect((await app.inject('/api/alerts')).statusCode).toBe(401);
    expect(
      (await app.inject({ url: '/api/alerts', headers: { authorization: 'Bearer wrong!' } })).statusCode,
    ).toBe(401);
    const ok = await app.inject({ url: '/api/alerts', headers: { authorization: 'Bearer s3cret' } });
    expect(ok.statusCode).toBe(200);
    expect((await app.inject('/api/alerts?access_token=s3cret')).statusCode).toBe(200);
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    expect((await app.inject('/metrics')).statusCode).toBe(200);
  });

  it('validates query parameters and names the bad one', async () => {
    const { app, api } = await server();
    const bad = await app.inject('/api/alerts?limit=zero');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().problems[0]).toMatch(/^limit:/);
    const good = await app.inject('/api/alerts?limit=5&asset=pump-1');
    expect(good.statusCode).toBe(200);
    expect(api.queries).toEqual([{ limit: 5, assetId: 'pump-1' }]);
  });

  it('creates a silence from a duration relative to now, and refuses one with both duration and end', async () => {
    const { app, api } = await server();
    const created = await app.inject({
      method: 'POST',
      url: '/api/silences',
      payload: { asset: 'pump-*', durationMs: 60_000 },
    });
    expect(created.statusCode).toBe(201);
    expect(api.added[0]).toEqual({
      assetPattern: 'pump-*',
      untilMs: 1_060_000,
      reason: '',
      createdBy: 'api',
    });
    const both = await app.inject({
      method: 'POST',
      url: '/api/silences',
      payload: { asset: 'pump-1', durationMs: 1, untilMs: 2 },
    });
    expect(both.statusCode).toBe(400);
    expect((await app.inject({ method: 'DELETE', url: '/api/silences/nope' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'DELETE', url: '/api/silences/s1' })).statusCode).toBe(204);
  });
});

/** A service with retraining: labels kept in memory, one model `pumps` with versions v1 and v2. */
function retrainingApi(): ServiceApi & {
  labelsAdded: LabelInput[];
  calls: string[];
  added: SilenceInput[];
  queries: unknown[];
} {
  const labelsAdded: LabelInput[] = [];
  const calls: string[] = [];
  const knownModel = (name: string) => {
    if (name !== 'pumps') throw new PipelineError('API_NOT_FOUND', `no model named ${name}`);
  };
  const stored = (input: LabelInput, i: number) => ({ id: `l${i + 1}`, ...input, createdAtMs: 7 });
  return {
    ...fakeApi(),
    labelsAdded,
    calls,
    labels: (q) =>
      labelsAdded.map(stored).filter((l) => q.assetId === undefined || l.assetPattern === q.assetId),
    addLabel(input) {
      labelsAdded.push(input);
      return stored(input, labelsAdded.length - 1);
    },
    removeLabel: (id) => id === 'l1',
    modelEvents(q) {
      calls.push(`events ${q.model ?? '*'} ${q.limit}`);
      return [{ atMs: 5, model: 'pumps', event: 'promoted', version: 'v2', previousVersion: 'v1' }];
    },
    async retrainNow(model) {
      knownModel(model);
      calls.push(`retrain ${model}`);
      return { model, queued: true, retraining: null };
    },
    async promoteModel(model, version) {
      knownModel(model);
      if (version !== 'v2') throw new PipelineError('API_CONFLICT', `no candidate ${version}`);
      calls.push(`promote ${model} ${version}`);
      return modelView(version);
    },
    async rollbackModel(model) {
      knownModel(model);
      calls.push(`rollback ${model}`);
      return { from: 'v2', to: 'v1', model: modelView('v1') };
    },
  };
}

const retrainingServer = (apiToken?: string) => serve(retrainingApi(), apiToken);

describe('HTTP server: operator labels and model actions', () => {
  it('lists the undelivered rows per sink, behind the bearer token', async () => {
    const api = {
      ...fakeApi(),
      deliveries: () => [{ sink: 'webhook:ops', queuedRows: 3, oldestUndeliveredAgeMs: 7_200_000 }],
    };
    const app = await createHttpServer({
      api,
      registry: new Registry(),
      logger: createSilentLogger(),
      now: () => 1_000_000,
      apiToken: new Secret('s3cret'),
    });
    expect((await app.inject('/api/deliveries')).statusCode).toBe(401);
    const res = await app.inject({ url: '/api/deliveries', headers: { authorization: 'Bearer s3cret' } });
    expect(res.json()).toEqual({
      sinks: [{ sink: 'webhook:ops', queuedRows: 3, oldestUndeliveredAgeMs: 7_200_000 }],
    });
    expect((await (await server()).app.inject('/api/deliveries')).json()).toEqual({ sinks: [] });
  });

  it('answers 404 "not available" on every retraining route of a service without retraining', async () => {
    const { app } = await server();
    const routes: [string, string, unknown?][] = [
      ['GET', '/api/labels'],
      ['POST', '/api/labels', { assetPattern: 'a', fromMs: 1, toMs: 2, kind: 'normal', reason: 'r' }],
      ['DELETE', '/api/labels/l1'],
      ['GET', '/api/models/events'],
      ['POST', '/api/models/pumps/retrain', {}],
      ['POST', '/api/models/pumps/promote', { version: 'v2' }],
      ['POST', '/api/models/pumps/rollback', {}],
    ];
    for (const [method, url, payload] of routes) {
      const res = await app.inject({
        method: method as 'GET',
        url,
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
      expect([method, url, res.statusCode, res.json().error]).toEqual([method, url, 404, 'not available']);
    }
  });

  it('creates a label from a valid body and answers 201 with the stored label', async () => {
    const { app, api } = await retrainingServer();
    const body = {
      assetPattern: 'pump-7',
      fromMs: 1_000,
      toMs: 5_000,
      kind: 'normal',
      reason: 'new normal, marked from alert pump-7-1000',
    };
    const created = await app.inject({ method: 'POST', url: '/api/labels', payload: body });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ label: { id: 'l1', ...body, createdBy: 'api', createdAtMs: 7 } });
    expect(api.labelsAdded).toEqual([{ ...body, createdBy: 'api' }]);
    const listed = await app.inject('/api/labels?asset=pump-7&from=0&to=10000');
    expect(listed.json()).toEqual({ labels: [{ id: 'l1', ...body, createdBy: 'api', createdAtMs: 7 }] });
    expect((await app.inject('/api/labels?asset=fan-1')).json()).toEqual({ labels: [] });
  });

  it.each([
    ['an empty period', { toMs: 1_000 }, 'toMs'],
    ['an unknown kind', { kind: 'odd' }, 'kind'],
    ['a blank reason', { reason: '  ' }, 'reason'],
    ['a missing asset pattern', { assetPattern: undefined }, 'assetPattern'],
    ['an unknown key', { severity: 'high' }, '(body)'],
  ])('refuses a label with %s, naming the field', async (_name, change, field) => {
    const { app, api } = await retrainingServer();
    const payload = {
      assetPattern: 'pump-7',
      fromMs: 1_000,
      toMs: 5_000,
      kind: 'not_normal',
      reason: 'bearing damage',
      ...change,
    };
    const res = await app.inject({ method: 'POST', url: '/api/labels', payload });
    expect(res.statusCode).toBe(400);
    expect(res.json().problems.join('\n')).toMatch(new RegExp(`^${field.replace(/[()]/g, '\\$&')}:`, 'm'));
    expect(api.labelsAdded).toEqual([]);
  });

  it('deletes a label by id: 204, and 404 for an unknown one', async () => {
    const { app } = await retrainingServer();
    expect((await app.inject({ method: 'DELETE', url: '/api/labels/l1' })).statusCode).toBe(204);
    const missing = await app.inject({ method: 'DELETE', url: '/api/labels/l9' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toContain('l9');
  });

  it('passes the model and limit of a model-event query, and names a bad limit', async () => {
    const { app, api } = await retrainingServer();
    expect((await app.inject('/api/models/events?model=pumps&limit=5')).json().events).toHaveLength(1);
    expect((await app.inject('/api/models/events')).statusCode).toBe(200);
    expect(api.calls).toEqual(['events pumps 5', 'events * 100']);
    const bad = await app.inject('/api/models/events?limit=-1');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().problems[0]).toMatch(/^limit:/);
  });

  it('starts a retraining run with 202, promotes with 200 and rolls back with 200', async () => {
    const { app, api } = await retrainingServer();
    const retrain = await app.inject({ method: 'POST', url: '/api/models/pumps/retrain', payload: {} });
    expect([retrain.statusCode, retrain.json()]).toEqual([
      202,
      { model: 'pumps', queued: true, retraining: null },
    ]);
    const promote = await app.inject({
      method: 'POST',
      url: '/api/models/pumps/promote',
      payload: { version: 'v2' },
    });
    expect([promote.statusCode, promote.json()]).toEqual([200, modelView('v2')]);
    const rollback = await app.inject({ method: 'POST', url: '/api/models/pumps/rollback', payload: {} });
    expect([rollback.statusCode, rollback.json()]).toEqual([
      200,
      { from: 'v2', to: 'v1', model: modelView('v1') },
    ]);
    expect(api.calls).toEqual(['retrain pumps', 'promote pumps v2', 'rollback pumps']);
  });

  it('maps an unknown model to 404, a version that cannot be promoted to 409, and a missing version to 400', async () => {
    const { app, api } = await retrainingServer();
    const unknown = await app.inject({ method: 'POST', url: '/api/models/fans/retrain', payload: {} });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: 'not_found', message: 'no model named fans' });
    const refused = await app.inject({
      method: 'POST',
      url: '/api/models/pumps/promote',
      payload: { version: 'v9' },
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().message).toContain('v9');
    const noVersion = await app.inject({ method: 'POST', url: '/api/models/pumps/promote', payload: {} });
    expect(noVersion.statusCode).toBe(400);
    expect(noVersion.json().problems[0]).toMatch(/^version:/);
    expect(api.calls).toEqual([]);
  });

  it('guards the label and model routes with the bearer token', async () => {
    const { app, api } = await retrainingServer('s3cret');
    expect((await app.inject('/api/labels')).statusCode).toBe(401);
    expect(
      (await app.inject({ method: 'POST', url: '/api/models/pumps/rollback', payload: {} })).statusCode,
    ).toBe(401);
    expect(api.calls).toEqual([]);
    const ok = await app.inject({
      method: 'POST',
      url: '/api/models/pumps/rollback',
      payload: {},
      headers: { authorization: 'Bearer s3cret' },
    });
    expect(ok.statusCode).toBe(200);
  });
});

describe('HTTP server: requests from other sites and read-only access', () => {
  async function guarded(
    options: { allowedHosts?: string[]; viewer?: string; maxStreamClients?: number } = {},
  ) {
    const api = retrainingApi();
    const app = await createHttpServer({
      api,
      registry: new Registry(),
      logger: createSilentLogger(),
      now: () => 1_000_000,
      ...(options.viewer
        ? { apiToken: new Secret('op-token'), viewerToken: new Secret(options.viewer) }
        : {}),
      ...(options.allowedHosts ? { allowedHosts: new Set(options.allowedHosts) } : {}),
      ...(options.maxStreamClients ? { maxStreamClients: options.maxStreamClients } : {}),
    });
    return { app, api };
  }

  it('refuses a POST from a page of another site (Origin or Sec-Fetch-Site), and accepts its own page and curl', async () => {
    const { app, api } = await guarded();
    const post = (headers: Record<string, string>) =>
      app.inject({ method: 'POST', url: '/api/models/pumps/rollback', payload: {}, headers });
    const other = await post({ host: '127.0.0.1:8080', origin: 'https://evil.example' });
    expect([other.statusCode, other.json().error]).toEqual([403, 'forbidden']);
    expect((await post({ host: '127.0.0.1:8080', origin: 'null' })).statusCode).toBe(403);
    // Another port on the same host is another origin (and only "same-site").
    expect((await post({ host: '127.0.0.1:8080', origin: 'http://127.0.0.1:3000' })).statusCode).toBe(403);
    expect((await post({ host: '127.0.0.1:8080', 'sec-fetch-site': 'cross-site' })).statusCode).toBe(403);
    expect((await post({ host: '127.0.0.1:8080', 'sec-fetch-site': 'same-site' })).statusCode).toBe(403);
    expect(api.calls).toEqual([]);
    const own = await post({
      host: '127.0.0.1:8080',
      origin: 'http://127.0.0.1:8080',
      'sec-fetch-site': 'same-origin',
    });
    expect(own.statusCode).toBe(200);
    expect((await post({ host: '127.0.0.1:8080' })).statusCode).toBe(200);
    expect(api.calls).toEqual(['rollback pumps', 'rollback pumps']);
    // Reading from another site is harmless (the browser hides the answer without CORS).
    expect(
      (await app.inject({ url: '/api/alerts', headers: { origin: 'https://evil.example' } })).statusCode,
    ).toBe(200);
  });

  it('refuses a POST without a JSON content type: what a no-cors request or a form can send', async () => {
    const { app, api } = await guarded();
    for (const headers of [
      {},
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/x-www-form-urlencoded' },
    ]) {
      const res = await app.inject({ method: 'POST', url: '/api/models/pumps/retrain', headers });
      expect([res.statusCode, res.json().error]).toEqual([415, 'unsupported_media_type']);
    }
    const form = await app.inject({
      method: 'POST',
      url: '/api/silences',
      headers: { 'content-type': 'text/plain' },
      payload: JSON.stringify({ asset: 'pump-1', durationMs: 60_000 }),
    });
    expect(form.statusCode).toBe(415);
    expect(api.calls).toEqual([]);
    expect(api.added).toEqual([]);
  });

  it('answers only to its own host names: a rebound DNS name is refused, loopback names are not', async () => {
    const { app } = await guarded({ allowedHosts: ['gruwatch.plant.example'] });
    const asHost = async (host: string) =>
      (await app.inject({ url: '/api/assets', headers: { host } })).statusCode;
    expect(await asHost('attacker.example:8080')).toBe(403);
    expect(await asHost('gruwatch.plant.example:8080')).toBe(200);
    expect(await asHost('GRUWATCH.plant.example')).toBe(200);
    expect(await asHost('127.0.0.1:8080')).toBe(200);
    expect(await asHost('localhost:8080')).toBe(200);
    expect(await asHost('[::1]:8080')).toBe(200);
    // Probes and scrapers reach health and metrics by any name.
    expect((await app.inject({ url: '/healthz', headers: { host: '10.0.0.7:8080' } })).statusCode).toBe(200);
  });

  it('lets the viewer token read everything and change nothing; the session names the access', async () => {
    const { app, api } = await guarded({ viewer: 'wall-token' });
    const viewer = { authorization: 'Bearer wall-token' };
    expect((await app.inject({ url: '/api/assets', headers: viewer })).statusCode).toBe(200);
    expect((await app.inject('/api/alerts?access_token=wall-token')).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/session', headers: viewer })).json()).toEqual({
      access: 'viewer',
      timeZone: 'UTC',
    });
    expect(
      (await app.inject({ url: '/api/session', headers: { authorization: 'Bearer op-token' } })).json()
        .access,
    ).toBe('operator');
    for (const [method, url] of [
      ['POST', '/api/models/pumps/rollback'],
      ['POST', '/api/models/pumps/retrain'],
      ['POST', '/api/silences'],
      ['POST', '/api/labels'],
      ['DELETE', '/api/silences/s1'],
    ] as const) {
      const res = await app.inject({ method, url, payload: {}, headers: viewer });
      expect([method, url, res.statusCode, res.json().error]).toEqual([method, url, 403, 'read_only']);
    }
    const viaQuery = await app.inject({
      method: 'POST',
      url: '/api/models/pumps/rollback?access_token=wall-token',
      payload: {},
    });
    expect(viaQuery.statusCode).toBe(403);
    expect(api.calls).toEqual([]);
    expect(
      (await app.inject({ url: '/api/assets', headers: { authorization: 'Bearer wall' } })).statusCode,
    ).toBe(401);
  });

  it('refuses a silence whose end lies further out than the longest duration', async () => {
    const { app, api } = await guarded();
    const post = (untilMs: number) =>
      app.inject({ method: 'POST', url: '/api/silences', payload: { asset: 'pump-1', untilMs } });
    const far = await post(1_000_000 + maxSilenceMs + 1);
    expect(far.statusCode).toBe(400);
    expect(far.json().problems[0]).toMatch(/^untilMs:/);
    expect((await post(1_000_000 + maxSilenceMs)).statusCode).toBe(201);
    expect(api.added.map((s) => s.untilMs)).toEqual([1_000_000 + maxSilenceMs]);
  });
});

describe('HTTP server: answers match the API schemas', () => {
  const bodies: Partial<Record<ApiRouteName, object>> = {
    addSilence: { asset: 'pump-*', durationMs: 60_000, reason: 'maintenance' },
    addLabel: { assetPattern: 'pump-1', fromMs: 1_000, toMs: 2_000, kind: 'normal', reason: 'new impeller' },
    promote: { version: 'v2' },
    retrain: {},
    rollback: {},
  };

  it('answers every route but the stream with its status and a body its schema accepts', async () => {
    const api: ServiceApi = {
      ...retrainingApi(),
      readiness: () => [{ name: 'mqtt', ready: true }],
      frames: (q) => ({
        channels: ['temperature', 'vibration'],
        points: [{ atMs: q.toMs ?? 0, values: [1, null], reconstruction: null }],
      }),
      deliveries: () => [{ sink: 'webhook:ops', queuedRows: 0, oldestUndeliveredAgeMs: null }],
    };
    const app = await createHttpServer({
      api,
      registry: new Registry(),
      logger: createSilentLogger(),
      now: () => 1_000_000,
    });
    const checked: string[] = [];
    for (const [name, route] of Object.entries(apiRoutes) as [
      ApiRouteName,
      (typeof apiRoutes)[ApiRouteName],
    ][]) {
      if (name === 'stream') continue;
      const url = route.path
        .replace(':id', name === 'removeLabel' ? 'l1' : name === 'removeSilence' ? 's1' : 'pump-1')
        .replace(':name', 'pumps');
      const body = bodies[name];
      if ('body' in route && route.body !== undefined)
        expect(route.body.safeParse(body).success, `${name} sample body`).toBe(true);
      const res = await app.inject({
        method: route.method,
        url,
        ...(body === undefined ? {} : { payload: body }),
      });
      expect([name, res.statusCode]).toEqual([name, route.status]);
      if (route.response !== null) {
        const parsed = route.response.safeParse(res.json());
        expect(parsed.success, `${name}: ${parsed.error?.message}`).toBe(true);
      }
      checked.push(name);
    }
    expect(checked).toHaveLength(Object.keys(apiRoutes).length - 1);
  });

  it('refuses with a body the refusal schema accepts', async () => {
    const { app } = await retrainingServer();
    for (const res of [
      await app.inject('/api/alerts?limit=zero'),
      await app.inject({ method: 'DELETE', url: '/api/labels/l9' }),
      await app.inject({ method: 'POST', url: '/api/models/fans/retrain', payload: {} }),
      await app.inject({ method: 'POST', url: '/api/models/pumps/promote', payload: { version: 'v9' } }),
    ])
      expect(refusalSchema.safeParse(res.json()).success, res.body).toBe(true);
  });
});
