import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createSilentLogger, Secret } from '../core/index.js';
import { createHttpServer, type ServiceApi, type SilenceInput } from './http-server.js';

function fakeApi(): ServiceApi & { added: SilenceInput[]; ready: boolean } {
  const added: SilenceInput[] = [];
  return {
    added,
    ready: false,
    readiness() {
      return [{ name: 'mqtt', ready: this.ready }];
    },
    assets: () => [{ assetId: 'pump-1' }],
    scores: (q) => [{ assetId: q.assetId, limit: q.limit }],
    alerts: (q) => [{ limit: q.limit, assetId: q.assetId ?? null }],
    silences: () => added,
    addSilence(input) {
      added.push(input);
      return { id: 's1', ...input };
    },
    removeSilence: (id) => id === 's1',
    models: () => [],
    subscribe: () => () => {},
  };
}

async function server(apiToken?: string) {
  const api = fakeApi();
  const registry = new Registry();
  const app = await createHttpServer({
    api,
    registry,
    logger: createSilentLogger(),
    now: () => 1_000_000,
    ...(apiToken ? { apiToken: new Secret(apiToken) } : {}),
  });
  return { app, api };
}

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
    const { app } = await server();
    const bad = await app.inject('/api/alerts?limit=zero');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().problems[0]).toMatch(/^limit:/);
    const good = await app.inject('/api/alerts?limit=5&asset=pump-1');
    expect(good.json()).toEqual({ alerts: [{ limit: 5, assetId: 'pump-1' }] });
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
