// The webhook sink against a real HTTP receiver (node:http on 127.0.0.1): signed
// events verified with verifyWebhookSignature, each delivered once per
// idempotency key through a receiver outage, a 400 that dead-letters and is
// replayed, a throttling 503, a crash of the delivering side mid-outage, a
// 401/403 of a credential rotation, a capped `Retry-After: 86400`, and retries
// bounded by time rather than by a count of attempts.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSilentLogger, Secret, systemClock } from '../../core/index.js';
import {
  createLocalStore,
  createOutboxDrainer,
  createWebhookRoute,
  createWebhookSink,
  type LocalStore,
  type OutboxDrainer,
  replayDeadLetters,
  sinkQueueName,
  storeConfigSchema,
  verifyWebhookSignature,
  type WebhookSinkConfig,
  webhookSinkConfigSchema,
} from '../../detector/sinks/index.js';
import { alertAt, batchOf } from '../fixtures/sink-records.js';
import { onTeardown, uniqueName, waitFor } from '../helpers/integration.js';

const signingKey = 'whsec-integration';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

/** A real receiver; `respond` picks the status per request (default 204). */
class Receiver {
  readonly received: Received[] = [];
  respond: (body: string) => { status: number; headers?: Record<string, string> } = () => ({ status: 204 });
  #server: Server | undefined;
  port = 0;

  async start(port = 0): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const { status, headers } = this.respond(body);
        this.received.push({ headers: req.headers, body, status });
        res.writeHead(status, headers).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.#server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/gruwatch`;
  }

  /** Accepted requests, each checked to carry a valid signature. */
  delivered(): { key: string; envelope: { type: string; data: { alertId: string; assetId: string } } }[] {
    return this.received
      .filter((r) => r.status >= 200 && r.status < 300)
      .map((r) => {
        const verification = verifyWebhookSignature(signingKey, r.headers, r.body, 300);
        if (!verification.ok) throw new Error(`receiver got a badly signed request: ${verification.message}`);
        return { key: String(r.headers['idempotency-key']), envelope: JSON.parse(r.body) };
      });
  }
}

async function startReceiver(port = 0): Promise<Receiver> {
  const receiver = new Receiver();
  await receiver.start(port);
  onTeardown(() => receiver.stop());
  return receiver;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gruwatch-webhook-'));
  onTeardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function endpoint(url: string, overrides: Record<string, unknown> = {}): WebhookSinkConfig {
  return webhookSinkConfigSchema.parse({
    type: 'webhook',
    name: uniqueName('ops'),
    url,
    signingKey,
    timeoutMs: 2_000,
    retry: { initialDelayMs: 100, maxDelayMs: 400, jitter: 0.2, maxAttempts: 50 },
    ...overrides,
  });
}

function openStore(path: string, config: WebhookSinkConfig): LocalStore {
  const store = createLocalStore(
    { ...storeConfigSchema.parse({}), path },
    {
      clock: systemClock,
      logger: createSilentLogger(),
      routes: [createWebhookRoute(config, { source: 'gruwatch/plant-a' })],
    },
  );
  return store;
}

function drainerFor(store: LocalStore, config: WebhookSinkConfig): OutboxDrainer {
  const sink = createWebhookSink(config, {
    clock: systemClock,
    logger: createSilentLogger(),
    version: '0.1.0',
  });
  return createOutboxDrainer(sink, store.outbox, config.retry, {
    clock: systemClock,
    logger: createSilentLogger(),
    onEnqueue: (listener) => store.onCommit(listener),
    idlePollMs: 200,
  });
}

function startDrainer(store: LocalStore, config: WebhookSinkConfig): OutboxDrainer {
  const drainer = drainerFor(store, config);
  drainer.start();
  onTeardown(() => drainer.close({ timeoutMs: 500 }));
  return drainer;
}

const nowAt = (offsetMs: number): number => Date.now() - 60_000 + offsetMs;

describe('webhook sink with a real HTTP receiver', () => {
  it('posts signed, verifiable envelopes, one per selected event and idempotency key', async () => {
    const receiver = await startReceiver();
    const config = endpoint(receiver.url, { assets: ['pump-*'], minSeverity: 'warning' });
    const store = openStore(join(await tempDir(), 'gruwatch.db'), config);
    onTeardown(() => store.close());
    startDrainer(store, config);

    const opened = alertAt('pump-7', nowAt(0), 'opened', 'warning');
    const escalated = alertAt('pump-7', nowAt(1_000), 'escalated', 'critical');
    store.commit(batchOf({ alerts: [opened, alertAt('fan-2', nowAt(0))] }));
    store.commit(batchOf({ alerts: [escalated] }));
    // A redelivered input batch (the broker re-sent it before the ack) adds nothing.
    store.commit(batchOf({ alerts: [opened] }));

    await waitFor(() => receiver.delivered().length >= 2 && store.outbox.depth().rows === 0, {
      what: 'two webhooks delivered',
    });
    const delivered = receiver.delivered();
    expect(delivered.map((d) => d.envelope.type)).toEqual([
      'io.gruwatch.alert.opened',
      'io.gruwatch.alert.escalated',
    ]);
    expect(new Set(delivered.map((d) => d.key)).size).toBe(2);
    const first = receiver.received[0];
    expect(first.headers['content-type']).toBe('application/json');
    expect(first.headers['user-agent']).toBe('gruwatch/0.1.0');
    expect(first.headers['webhook-id']).toBe(first.headers['idempotency-key']);
    expect(JSON.parse(first.body)).toMatchObject({
      id: first.headers['idempotency-key'],
      source: 'gruwatch/plant-a',
    });
    // The receiver-side check really rejects a forgery of the same request.
    expect(verifyWebhookSignature(signingKey, first.headers, first.body.replace('pump-7', 'pump-8')).ok).toBe(
      false,
    );
    expect(verifyWebhookSignature(new Secret('wrong'), first.headers, first.body).ok).toBe(false);
  });

  it('delivers after retries when the receiver was down, then comes back', async () => {
    const receiver = await startReceiver();
    const port = receiver.port;
    await receiver.stop();
    const config = endpoint(receiver.url);
    const store = openStore(join(await tempDir(), 'gruwatch.db'), config);
    onTeardown(() => store.close());
    startDrainer(store, config);
    const events = [0, 1, 2].map((i) => alertAt(`pump-${i}`, nowAt(i)));
    store.commit(batchOf({ alerts: events }));

    await waitFor(() => (store.outbox.peek(sinkQueueName(config), Infinity, 1, 1e9)[0]?.attempts ?? 0) >= 2, {
      what: 'at least two failed attempts while the receiver is down',
    });
    await receiver.start(port);
    await waitFor(() => store.outbox.depth().rows === 0, { what: 'the outbox to drain', timeoutMs: 20_000 });
    const delivered = receiver.delivered();
    expect(delivered.map((d) => d.envelope.data.assetId)).toEqual(['pump-0', 'pump-1', 'pump-2']);
    expect(new Set(delivered.map((d) => d.key)).size).toBe(3);
  });

  it('honours Retry-After of a 503 and then delivers', async () => {
    const receiver = await startReceiver();
    let calls = 0;
    receiver.respond = () => {
      calls += 1;
      return calls === 1 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200 };
    };
    const config = endpoint(receiver.url);
    const store = openStore(join(await tempDir(), 'gruwatch.db'), config);
    onTeardown(() => store.close());
    startDrainer(store, config);
    store.commit(batchOf({ alerts: [alertAt('pump-1', nowAt(0))] }));
    await waitFor(() => receiver.delivered().length === 1, { what: 'delivery after the 503' });
    const [refusedAt, acceptedAt] = receiver.received.map((r) => Number(r.headers['webhook-timestamp']));
    expect(receiver.received.map((r) => r.status)).toEqual([503, 200]);
    expect(acceptedAt - refusedAt).toBeGreaterThanOrEqual(1);
  });

  it('dead-letters an event the receiver refuses with 400, and delivers it once after replay', async () => {
    const receiver = await startReceiver();
    receiver.respond = (body) => ({ status: body.includes('"pump-bad"') ? 400 : 204 });
    const config = endpoint(receiver.url);
    const store = openStore(join(await tempDir(), 'gruwatch.db'), config);
    onTeardown(() => store.close());
    startDrainer(store, config);
    store.commit(batchOf({ alerts: [alertAt('pump-bad', nowAt(0)), alertAt('pump-ok', nowAt(1))] }));

    const [dead] = await waitFor(
      () => (store.listDeadLetters().length === 1 ? store.listDeadLetters() : undefined),
      {
        what: 'the refused event to become a dead letter',
      },
    );
    expect(dead.error).toContain('HTTP 400');
    expect(dead.attempts).toBe(1);
    await waitFor(() => receiver.delivered().length === 1, { what: 'the accepted event' });

    receiver.respond = () => ({ status: 204 });
    expect(replayDeadLetters(store, { sink: dead.sink })).toBe(1);
    await waitFor(() => receiver.delivered().length === 2, { what: 'the replayed event' });
    const delivered = receiver.delivered();
    expect(delivered.map((d) => d.envelope.data.assetId)).toEqual(['pump-ok', 'pump-bad']);
    expect(delivered[1].key).toBe(dead.key);
    expect(store.listDeadLetters()).toEqual([]);
  });

  it('loses nothing and duplicates no key when the delivering side dies mid-outage', async () => {
    const receiver = await startReceiver();
    const port = receiver.port;
    await receiver.stop();
    const config = endpoint(receiver.url);
    const path = join(await tempDir(), 'gruwatch.db');
    const events = Array.from({ length: 5 }, (_, i) => alertAt(`pump-${i}`, nowAt(i)));

    const first = openStore(path, config);
    first.commit(batchOf({ alerts: events.slice(0, 3) }));
    const doomed = drainerFor(first, config);
    const step = await doomed.drainOnce();
    expect(step.retried).toBe(1);
    // Process death: no close of the drainer, no flush; the handle just goes away.
    first.close();

    const second = openStore(path, config);
    onTeardown(() => second.close());
    second.commit(batchOf({ alerts: events.slice(3) }));
    startDrainer(second, config);
    await new Promise((r) => setTimeout(r, 300));
    await receiver.start(port);
    await waitFor(() => second.outbox.depth().rows === 0, {
      what: 'the reopened outbox to drain',
      timeoutMs: 20_000,
    });

    const delivered = receiver.delivered();
    expect(delivered.map((d) => d.envelope.data.assetId)).toEqual(events.map((e) => e.assetId));
    expect(new Set(delivered.map((d) => d.key)).size).toBe(events.length);
  });

  it('retries 401 and 403 like 5xx until the receiver accepts, and dead-letters a 404 at once', async () => {
    const receiver = await startReceiver();
    const answers = [401, 403, 200];
    receiver.respond = (body) => ({ status: body.includes('"pump-gone"') ? 404 : (answers.shift() ?? 200) });
    const config = endpoint(receiver.url);
    const store = openStore(join(await tempDir(), 'gruwatch.db'), config);
    onTeardown(() => store.close());
    startDrainer(store, config);
    store.commit(batchOf({ alerts: [alertAt('pump-1', nowAt(0)), alertAt('pump-gone', nowAt(1))] }));

    const [dead] = await waitFor(
      () => (store.listDeadLetters().length === 1 ? store.listDeadLetters() : undefined),
      { what: 'the 404 to become a dead letter' },
    );
    expect(dead.error).toContain('HTTP 404');
    expect(dead.attempts).toBe(1);
    expect(receiver.received.map((r) => r.status)).toEqual([401, 403, 200, 404]);
    expect(receiver.delivered().map((d) => d.envelope.data.assetId)).toEqual(['pump-1']);
  });

  it('honours Retry-After: 86400 only up to retry.maxRetryAfterMs', async () => {
    const receiver = await startReceiver();
    let calls = 0;
    receiver.respond = () => {
      calls += 1;
      return calls === 1 ? { status: 429, headers: { 'retry-after': '86400' } } : { status: 200 };
    };
    const config = endpoint(receiver.url, {
      retry: { initialDelayMs: 100, maxDelayMs: 400, jitter: 0, maxRetryMs: 60_000, maxRetryAfterMs: 1_000 },
    });
    const store = openStore(join(await tempDir(), 'gruwatch.db'), config);
    onTeardown(() => store.close());
    startDrainer(store, config);
    store.commit(batchOf({ alerts: [alertAt('pump-1', nowAt(0))] }));
    await waitFor(() => receiver.delivered().length === 1, { what: 'delivery after the capped Retry-After' });
    const [throttledAt, acceptedAt] = receiver.received.map((r) => Number(r.headers['webhook-timestamp']));
    expect(receiver.received.map((r) => r.status)).toEqual([429, 200]);
    expect(acceptedAt - throttledAt).toBeGreaterThanOrEqual(0);
    expect(acceptedAt - throttledAt).toBeLessThan(60);
  });

  it('retries through an outage by time, not by a count of attempts, and delivers every event once', async () => {
    const receiver = await startReceiver();
    const port = receiver.port;
    await receiver.stop();
    const config = endpoint(receiver.url, {
      retry: { initialDelayMs: 20, maxDelayMs: 50, jitter: 0, maxRetryMs: 120_000 },
    });
    const store = openStore(join(await tempDir(), 'gruwatch.db'), config);
    onTeardown(() => store.close());
    startDrainer(store, config);
    const events = [0, 1, 2].map((i) => alertAt(`pump-${i}`, nowAt(i)));
    store.commit(batchOf({ alerts: events }));
    const queue = sinkQueueName(config);
    // Far more attempts than a count-based limit would allow: only `maxRetryMs` ends the retries.
    await waitFor(() => (store.outbox.peek(queue, Infinity, 1, 1e9)[0]?.attempts ?? 0) >= 25, {
      what: '25 failed attempts while the receiver is down',
      timeoutMs: 20_000,
    });
    expect(store.listDeadLetters()).toEqual([]);
    expect(store.outbox.oldestUndeliveredMs(queue)).toBeLessThanOrEqual(Date.now());
    await receiver.start(port);
    await waitFor(() => store.outbox.depth().rows === 0, { what: 'the outbox to drain', timeoutMs: 20_000 });
    const delivered = receiver.delivered();
    expect(delivered.map((d) => d.envelope.data.assetId)).toEqual(['pump-0', 'pump-1', 'pump-2']);
    expect(new Set(delivered.map((d) => d.key)).size).toBe(3);
    expect(store.outbox.oldestUndeliveredMs(queue)).toBeUndefined();
  });

  it('gives an event up as a dead letter once it is retry.maxRetryMs old', async () => {
    const receiver = await startReceiver();
    receiver.respond = () => ({ status: 503 });
    const config = endpoint(receiver.url, {
      retry: { initialDelayMs: 50, maxDelayMs: 200, jitter: 0, maxRetryMs: 1_500 },
    });
    const store = openStore(join(await tempDir(), 'gruwatch.db'), config);
    onTeardown(() => store.close());
    startDrainer(store, config);
    store.commit(batchOf({ alerts: [alertAt('pump-1', nowAt(0))] }));
    const [dead] = await waitFor(
      () => (store.listDeadLetters().length === 1 ? store.listDeadLetters() : undefined),
      { what: 'the event to be given up after maxRetryMs', timeoutMs: 20_000 },
    );
    expect(dead.deadLetteredMs - dead.createdMs).toBeGreaterThanOrEqual(1_500);
    expect(dead.attempts).toBe(receiver.received.length);
    expect(dead.error).toContain('HTTP 503');
  });
});
