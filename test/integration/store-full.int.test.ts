// A full disk under `gruwatch run` (a child process fed by a real MQTT
// publisher): on a tmpfs of a few MiB created here, a ballast file takes the
// free space. The service stays up, stops acknowledging, answers /readyz with
// "store full" and the figures, and once the ballast is gone it resumes by
// itself and stores every published frame. Once with a free-space floor, once
// with none (SQLite's own SQLITE_FULL).

import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { expect, it } from 'vitest';
import type { Readiness } from '../../dashboards/api/index.js';
import { freePort } from '../helpers/free-port.js';
import { describeWithServer, onTeardown, uniqueName, waitFor } from '../helpers/integration.js';
import { metricSum, spawnGruwatch, testArtifactsDir } from '../helpers/service-process.js';

const mib = 1024 * 1024;
const t0 = Date.UTC(2026, 0, 5, 8);

/** A tmpfs of `sizeMiB` mounted on a fresh directory, unmounted at teardown. */
function mountSmallFileSystem(sizeMiB: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'gruwatch-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m`, 'tmpfs', dir]);
  onTeardown(() => {
    execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

function storedFrames(path: string): number[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT at_ms FROM frames ORDER BY at_ms').pluck().all() as number[];
  } finally {
    db.close();
  }
}

describeWithServer('mosquitto', 'gruwatch run on a full disk', (mosquitto) => {
  const runCase = async (label: string, minFreeBytes: number) => {
    const mount = mountSmallFileSystem(16);
    const logs = join(testArtifactsDir, 'store-full');
    mkdirSync(logs, { recursive: true });
    const httpPort = await freePort();
    const base = `http://127.0.0.1:${httpPort}`;
    const site = uniqueName('site');
    const configFile = join(mount, 'gruwatch.yaml');
    writeFileSync(
      configFile,
      JSON.stringify({
        dataDir: join(mount, 'data'),
        http: { port: httpPort },
        ingest: {
          mqtt: {
            url: mosquitto.url,
            clientId: uniqueName(`gruwatch-full-${label}`),
            topics: [`plants/${site}/{asset}/telemetry`],
          },
          decoder: { type: 'json' },
          assets: [{ channels: ['flow', 'speed'] }],
          window: { T: 64, hop: 16 },
        },
        detector: { scoring: { hopSteps: 16 } },
        store: {
          synchronous: 'normal',
          minFreeBytes,
          retention: { scoresMaxAgeDays: 3650, alertsMaxAgeDays: 3650, framesMaxAgeDays: 3650 },
        },
      }),
    );
    const child = spawnGruwatch(['run', '-c', configFile], join(logs, `gruwatch-${label}.log`));
    let exitCode: number | null = null;
    child.on('exit', (code) => {
      exitCode = code;
    });
    // Dead before the file system under it is unmounted.
    onTeardown(async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    });
    await waitFor(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.ok || undefined, {
      what: 'gruwatch ready',
      timeoutMs: 30_000,
    });
    const storePath = join(mount, 'data', 'gruwatch.db');

    const client = await mqtt.connectAsync(mosquitto.url, { clientId: uniqueName('plant') });
    onTeardown(() => client.endAsync());
    const publish = async (fromS: number, toS: number) => {
      for (let s = fromS; s < toS; s++) {
        const message = { asset: 'pump-1', ts: t0 + s * 1_000, values: { flow: 10 + s, speed: 1_500 } };
        await client.publishAsync(`plants/${site}/pump-1/telemetry`, JSON.stringify(message), { qos: 1 });
      }
    };
    await publish(0, 40);
    await waitFor(() => storedFrames(storePath).length >= 39 || undefined, {
      what: 'the first frames stored',
      timeoutMs: 30_000,
    });

    // Take the free space: leave 256 KiB, under any floor and too little for many commits.
    const ballast = join(mount, 'ballast');
    const fs = statfsSync(mount);
    try {
      writeFileSync(ballast, Buffer.alloc(Math.max(0, fs.bavail * fs.bsize - 256 * 1024)));
    } catch {
      // ENOSPC: the file holds what fitted, which is the point.
    }
    // Frames of 40 s each until the store gives up writing (about 3 MiB of journal and frames).
    let sent = 40;
    const full = await waitFor(
      async () => {
        if (exitCode !== null) throw new Error(`gruwatch exited with ${exitCode} on a full disk`);
        await publish(sent, sent + 40);
        sent += 40;
        const body = (await (await fetch(`${base}/readyz`)).json()) as Readiness;
        return body.ready ? undefined : body;
      },
      { what: '/readyz to report the store full', timeoutMs: 60_000, intervalMs: 200 },
    );
    const store = full.checks.find((c) => c.name === 'store');
    expect(store?.ready).toBe(false);
    expect(store?.detail).toMatch(/^store full: /);
    expect(store?.figures?.freeBytes).toBeLessThan(Math.max(minFreeBytes, mib));
    expect(store?.figures?.minFreeBytes).toBe(minFreeBytes);
    expect(store?.figures?.dbBytes).toBeGreaterThan(0);
    // The same figures on /metrics, for alerting before the floor is reached.
    expect(await metricSum(httpPort, 'store_is_full')).toBe(1);
    expect(await metricSum(httpPort, 'store_free_bytes')).toBeLessThan(Math.max(minFreeBytes, mib));
    expect(await metricSum(httpPort, 'store_min_free_bytes')).toBe(minFreeBytes);

    // Still full a little later, still running: no crash loop, nothing acknowledged is lost.
    await publish(sent, sent + 20);
    sent += 20;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(exitCode).toBeNull();
    expect(((await (await fetch(`${base}/readyz`)).json()) as Readiness).ready).toBe(false);

    rmSync(ballast);
    await waitFor(async () => (await fetch(`${base}/readyz`)).ok || undefined, {
      what: 'gruwatch ready again once the space is back',
      timeoutMs: 30_000,
    });
    await publish(sent, sent + 3); // later readings finalize the frames before them
    const expected = Array.from({ length: sent }, (_, s) => t0 + s * 1_000);
    const missing = await waitFor(
      () => {
        const frames = new Set(storedFrames(storePath));
        const absent = expected.filter((t) => !frames.has(t));
        return absent.length === 0 ? absent : undefined;
      },
      { what: 'a stored frame for every published second', timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(missing).toEqual([]);
    expect(exitCode).toBeNull();
  };

  it('with a free-space floor: stops at the floor and resumes by itself', async () => {
    await runCase('floor', 2 * mib);
  });

  it('with no floor: survives SQLITE_FULL and resumes by itself', async () => {
    await runCase('sqlite', 0);
  });
});
