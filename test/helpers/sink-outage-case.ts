// InfluxDB and the webhook receiver down at the same time, and `gruwatch run`
// SIGKILLed and restarted during that outage: mosquitto_pub keeps publishing
// two machines, every published sequence number ends in a stored frame and every
// complete window is scored, and once both sinks are back every score reaches
// InfluxDB and every alert event the receiver exactly once per idempotency key. InfluxDB
// is a private instance started for the case (the shared one stays up).
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { expect } from 'vitest';
import { freePort } from './free-port.js';
import { influxql } from './influxql.js';
import { uniqueName, waitFor } from './integration.js';
import { createPrivateInfluxdb } from './private-influxdb.js';
import { spawnGruwatch, testArtifactsDir } from './service-process.js';
import {
  prepareSmallService,
  readStore,
  smallChannels,
  smallPeriodMs,
  smallServiceConfig,
  smallSettings,
  smallValue,
} from './small-service.js';
import { compareScoredWindows, type ScoredWindows } from './stored-windows.js';
import { mosquittoPub } from './third-party-publishers.js';

/** Runs the case against the Mosquitto at `mosquittoUrl` with both sinks down for `outageMs`. */
export async function runSinkOutageCase(options: {
  mosquittoUrl: string;
  outageMs: number;
  onTestFinished: (fn: () => void | Promise<void>) => void;
}): Promise<void> {
  const { outageMs, onTestFinished } = options;
  const mosquitto = { url: options.mosquittoUrl };
  const { dir, dataDir } = await prepareSmallService('gruwatch-outage-', onTestFinished);
  const influxdb = await createPrivateInfluxdb(join(dir, 'influxdb'));
  await influxdb.start();
  onTestFinished(() => influxdb.stop());
  const database = 'gruwatch';
  await influxql(influxdb, `CREATE DATABASE "${database}"`);

  // A real HTTP receiver on a fixed port, so that it comes back where it was.
  const received: { key: string; type: string }[] = [];
  const receiverPort = await freePort();
  let receiver: Server | undefined;
  const startReceiver = () =>
    new Promise<void>((resolve) => {
      receiver = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type: string };
          received.push({ key: String(req.headers['idempotency-key']), type: body.type });
          res.writeHead(204).end();
        });
      }).listen(receiverPort, '127.0.0.1', () => resolve());
    });
  const stopReceiver = () =>
    new Promise<void>((resolve) => {
      receiver?.closeAllConnections();
      receiver?.close(() => resolve());
    });
  await startReceiver();
  onTestFinished(stopReceiver);

  const site = uniqueName('site');
  const assetId = 'machine-1';
  const httpPort = await freePort();
  const configFile = join(dir, 'gruwatch.yaml');
  const base = smallServiceConfig(dataDir, httpPort, {
    mqtt: {
      url: mosquitto.url,
      clientId: uniqueName('gruwatch-outage'),
      topics: [`plants/${site}/{asset}/telemetry`],
    },
  });
  writeFileSync(
    configFile,
    JSON.stringify({
      ...base,
      // A threshold every window exceeds, so alerts open and escalate while the sinks are down.
      detector: {
        ...base.detector,
        overrides: [{ asset: '*', threshold: 1e-12 }],
        alerts: { minAboveMs: 4_000, criticalRatio: 2, flapping: { enabled: false } },
      },
      sinks: [
        {
          type: 'influxdb',
          url: influxdb.url,
          token: influxdb.token,
          bucket: `${database}/autogen`,
          database,
          retry: { initialDelayMs: 200, maxDelayMs: 2_000 },
        },
        {
          type: 'webhook',
          name: 'ops',
          url: `http://127.0.0.1:${receiverPort}/hooks`,
          signingKey: 'whsec-outage',
          events: ['opened', 'escalated', 'resolved', 'data_quality'],
          retry: { initialDelayMs: 200, maxDelayMs: 2_000, maxAttempts: 1_000 },
        },
      ],
    }),
  );
  const logs = join(testArtifactsDir, 'sink-outage');
  mkdirSync(logs, { recursive: true });
  let child: ChildProcess = spawnGruwatch(['run', '-c', configFile], join(logs, 'gruwatch-1.log'));
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  const ready = () =>
    waitFor(async () => (await fetch(`http://127.0.0.1:${httpPort}/readyz`).catch(() => undefined))?.ok, {
      what: 'gruwatch ready',
      timeoutMs: 30_000,
    });
  await ready();

  const t0 = Math.floor(Date.now() / smallPeriodMs) * smallPeriodMs - 20 * 60_000;
  // machine-2 starts reporting only during the outage: its alert opens while both sinks are down.
  const publish = (from: number, to: number, assets = [assetId]) =>
    Promise.all(
      assets.map((asset) => {
        const lines: string[] = [];
        for (let seq = from; seq < to; seq++)
          for (const channel of smallChannels)
            lines.push(
              `{"asset":"${asset}","channel":"${channel}","ts":${t0 + seq * smallPeriodMs},"value":${smallValue(channel, seq)}}`,
            );
        return mosquittoPub(mosquitto.url, `plants/${site}/${asset}/telemetry`, lines);
      }),
    );
  const both = [assetId, 'machine-2'];
  const scoresStored = () => both.reduce((n, a) => n + readStore(dataDir, a).scoreAtMs.length, 0);

  await publish(0, 100);
  await waitFor(() => scoresStored() >= 15, { what: 'scores before the outage', timeoutMs: 30_000 });

  // Outage: both sinks down; more data; gruwatch killed and restarted while they are down.
  const outageStartMs = Date.now();
  await Promise.all([influxdb.stop(), stopReceiver()]);
  const beforeKill = scoresStored();
  await publish(100, 160, both);
  await waitFor(() => scoresStored() > beforeKill, {
    what: 'scores stored during the outage',
    timeoutMs: 30_000,
  });
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  await publish(160, 220, both);
  child = spawnGruwatch(['run', '-c', configFile], join(logs, 'gruwatch-2.log'));
  await ready();
  await waitFor(() => Date.now() - outageStartMs >= outageMs || undefined, {
    what: 'the end of the outage',
    timeoutMs: outageMs + 5_000,
    intervalMs: 1_000,
  });
  await Promise.all([influxdb.start(), startReceiver()]);
  await publish(220, 260, both);

  // Everything the store holds reaches both sinks, once per key.
  const countInInflux = async (measurement: string) => {
    const series = await influxql(influxdb, `SELECT count(*) FROM "${measurement}"`, { database });
    const counts = (series[0]?.values[0] ?? []).slice(1).map(Number);
    return counts.length === 0 ? 0 : Math.max(...counts);
  };
  await waitFor(
    async () => {
      const stored = scoresStored();
      return stored > 50 && (await countInInflux('gruwatch_score')) === stored ? true : undefined;
    },
    { what: 'every stored score in InfluxDB', timeoutMs: 60_000, intervalMs: 500 },
  );
  const alertsInStore = () => both.reduce((n, a) => n + readStore(dataDir, a).alerts, 0);
  await waitFor(() => (received.length >= alertsInStore() && alertsInStore() > 0 ? true : undefined), {
    what: 'every alert event at the receiver',
    timeoutMs: 60_000,
    intervalMs: 500,
  });
  const storedScores = scoresStored();
  const storedAlerts = alertsInStore();
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  const readings = checkReadingsAndWindows(dataDir, t0, [
    { assetId, fromSeq: 0 },
    { assetId: 'machine-2', fromSeq: 100 },
  ]);
  expect(readings.missing, 'published sequence numbers in no stored frame').toEqual([]);
  expect(readings.windows.notScored, 'windows stored complete but not scored').toEqual([]);
  expect(readings.windows.scoredWithoutFrames).toBe(0);
  expect(readings.windows.expected).toBeGreaterThan(0);
  const keys = received.map((r) => r.key);
  expect(new Set(keys).size).toBe(keys.length);
  expect(keys.length).toBe(storedAlerts);
  expect(readStore(dataDir, 'machine-2').alerts).toBeGreaterThan(0);
  expect(await countInInflux('gruwatch_score')).toBe(storedScores);
  expect(await countInInflux('gruwatch_alert')).toBe(storedAlerts);
  process.stdout.write(
    `outage + SIGKILL: ${Math.round((Date.now() - outageStartMs) / 1000)} s since the outage began, ${readings.stored} of ${readings.published} published readings in stored frames, ${readings.windows.scored} of ${readings.windows.expected} complete windows scored, ${storedScores} scores in InfluxDB once, ${storedAlerts} alert events (${[...new Set(received.map((r) => r.type))].join(', ')}) each delivered once by key\n`,
  );
}

// The last sequence number published is 259; readings up to 255 are behind the newest by more than
// the lateness, so they are final and must be stored whatever the idle flush did.
const lastFinalSeq = 255;

/**
 * Every sequence number published for each asset is in a stored frame with its own values (a held
 * copy of the previous reading does not count), and every window whose frames are stored complete
 * is scored.
 */
function checkReadingsAndWindows(
  dataDir: string,
  t0: number,
  assets: { assetId: string; fromSeq: number }[],
): { published: number; stored: number; missing: string[]; windows: ScoredWindows } {
  const { window } = smallSettings;
  const missing: string[] = [];
  let published = 0;
  const windows: ScoredWindows = { expected: 0, scored: 0, notScored: [], scoredWithoutFrames: 0 };
  for (const { assetId, fromSeq } of assets) {
    const { frames, scoreAtMs } = readStore(dataDir, assetId);
    const byTime = new Map(frames.map((f) => [f.atMs, f]));
    for (let seq = fromSeq; seq <= lastFinalSeq; seq++) {
      published++;
      const frame = byTime.get(t0 + seq * smallPeriodMs);
      const own =
        frame?.state === 'ok' && smallChannels.every((c, i) => frame.values[i] === smallValue(c, seq));
      if (!own) missing.push(`${assetId}#${seq}`);
    }
    const scored = compareScoredWindows(frames, scoreAtMs, { ...window, periodMs: smallPeriodMs });
    windows.expected += scored.expected;
    windows.scored += scored.scored;
    windows.notScored.push(...scored.notScored);
    windows.scoredWithoutFrames += scored.scoredWithoutFrames;
  }
  return { published, stored: published - missing.length, missing, windows };
}
