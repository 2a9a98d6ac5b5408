// The live stream of the HTTP API over real sockets: a limit on clients at
// once, and a client that stops reading is cut off once it falls 1 MiB behind
// instead of growing the server's memory.
import { type AddressInfo, connect, type Socket } from 'node:net';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../core/index.js';
import { createHttpServer, type LiveEvent, type ServiceApi } from '../../dashboards/api/index.js';
import { onTeardown } from '../helpers/integration.js';

describe('HTTP API live stream', () => {
  it('limits live-stream clients and cuts off one that does not read', async () => {
    const listeners = new Set<(event: LiveEvent) => void>();
    const api: ServiceApi = {
      readiness: () => [],
      assets: () => [],
      scores: () => [],
      alerts: () => [],
      silences: () => [],
      addSilence: (input) => input,
      removeSilence: () => false,
      models: () => [],
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
    const app = await createHttpServer({
      api,
      registry: new Registry(),
      logger: createSilentLogger(),
      now: () => 0,
      maxStreamClients: 2,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    onTeardown(() => app.close());
    const { port } = app.server.address() as AddressInfo;
    const open = () =>
      new Promise<{ status: number; socket: Socket }>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () =>
          socket.write(`GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`),
        );
        socket.once('data', (chunk) => {
          socket.pause(); // Reads nothing more: a client that cannot keep up.
          resolve({ status: Number(chunk.toString().split(' ')[1]), socket });
        });
        socket.on('error', () => undefined);
        setTimeout(() => reject(new Error('no answer')), 5000).unref();
      });
    const first = await open();
    const second = await open();
    const third = await open();
    onTeardown(() => {
      for (const c of [first, second, third]) c.socket.destroy();
    });
    expect([first.status, second.status, third.status]).toEqual([200, 200, 503]);
    expect(listeners.size).toBe(2);

    // The first client keeps not reading: its buffer passes the limit and it is cut off.
    const big = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 2000 && listeners.size === 2; i++) {
      for (const listener of [...listeners])
        listener({ type: 'status', data: { assetId: big, atMs: 0, status: 'normal' } });
      await new Promise((r) => setImmediate(r));
    }
    expect(listeners.size).toBeLessThan(2);
    // A freed place is given to the next client.
    const fourth = await open();
    fourth.socket.destroy();
    expect(fourth.status).toBe(200);
  });
});
