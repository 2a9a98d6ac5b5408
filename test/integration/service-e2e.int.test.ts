// gruwatch end to end, as a plant runs it: a seeded plant publishes to the real
// Mosquitto, `gruwatch run` (a child process of the built CLI) scores with a
// model trained on the plant's normal operation, and writes to the real
// InfluxDB and a real webhook receiver. The planted anomalies must come back as
// alerts with the right top channel and the normal stretches must raise none.
// Then InfluxDB and the receiver go down, gruwatch is SIGKILLed and restarted
// during the outage, both come back, and every score, alert and webhook arrives
// exactly once.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { fittingFor } from '../../bin/model-kinds.js';
import { createSilentLogger, systemClock } from '../../core/index.js';
import { fitModel } from '../../detector/retraining/index.js';
import { verifyWebhookSignature } from '../../detector/sinks/index.js';
import {
  type AnomalySpec,
  alignReadings,
  createPlant,
  runSimulation,
  simulateOptionsSchema,
  tickReadings,
} from '../../ingest/index.js';
import { createModelRegistry } from '../../model/node/index.js';
import { freePort } from '../helpers/free-port.js';
import { historicDataRetention } from '../helpers/historic-retention.js';
import { influxql } from '../helpers/influxql.js';
import {
  describeWithServer,
  onTeardown,
  startServer,
  stopServer,
  uniqueName,
  waitFor,
} from '../helpers/integration.js';
import { pumpChannels, pumpPlantSettings } from '../helpers/pump-plant.js';
import {
  gruwatchCli,
  histogramQuantile,
  metricSum,
  spawnGruwatch,
  testArtifactsDir,
} from '../helpers/service-process.js';

const cli = gruwatchCli;
const artifactsDir = testArtifactsDir;
const signingKey = 'whsec-e2e';
const hourMs = 3_600_000;
const periodMs = 1_000;
const channels = pumpChannels;
const seed = 20261125;
const assets = ['pump-001', 'pump-002', 'pump-003'];

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real webhook receiver on a fixed port, so it can come back where it was. */
class Receiver {
  readonly received: Delivery[] = [];
  #server: Server | undefined;
  port = 0;
  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
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
}

function gruwatch(configFile: string, logFile: string): ChildProcess {
  return spawnGruwatch(['run', '-c', configFile], logFile);
}

const metric = metricSum;

describeWithServer('mosquitto', 'gruwatch end to end', (mosquitto) => {
  describeWithServer('influxdb', 'with InfluxDB and a webhook receiver', (influxdb) => {
    const query = (q: string, database?: string) => influxql(influxdb, q, { database });

    it('turns planted anomalies into alerts with the right top channel, and loses nothing through an outage and a SIGKILL', async () => {
      expect(existsSync(cli), `${cli} is missing; run npm run build first`).toBe(true);
      const dir = mkdtempSync(join(tmpdir(), 'gruwatch-e2e-'));
      onTeardown(() => rmSync(dir, { recursive: true, force: true }));
      const database = uniqueName('gw_e2e').replaceAll('-', '_');
      await query(`CREATE DATABASE "${database}"`);
      onTeardown(() => query(`DROP DATABASE "${database}"`));
      const receiver = new Receiver();
      await receiver.start();
      onTeardown(() => receiver.stop());

      // 1. A model trained on a day of the plant's normal operation (the same machines, seeded).
      const t0 = Date.UTC(2026, 0, 5, 0, 0, 0);
      const { detector, model, ingestAlign } = pumpPlantSettings(periodMs);
      const plant = createPlant({ assets: 3, kind: 'pump', seed, startMs: t0, periodMs });
      const trainingReadings = new Map(assets.map((a) => [a, [] as ReturnType<typeof tickReadings>]));
      for (const tick of plant.generate(t0 + 24 * hourMs)) {
        for (const reading of tickReadings(tick, plant.assets))
          trainingReadings.get(reading.assetId)!.push(reading);
      }
      const segments = assets.map((a) => alignReadings(trainingReadings.get(a)!, channels, ingestAlign)!);
      const fitted = await fitModel({
        segments,
        channels,
        periodMs,
        ...fittingFor(model),
        detector,
        isInWorker: false,
        strideSteps: 8,
      });
      const registry = createModelRegistry(join(dir, 'data', 'models'));
      await registry.promote('pumps', await registry.add('pumps', fitted.bytes));

      // 2. gruwatch run, configured as a user would.
      const site = uniqueName('site');
      const configFile = join(dir, 'gruwatch.yaml');
      const httpPort = await freePort();
      writeFileSync(
        configFile,
        JSON.stringify({
          dataDir: join(dir, 'data'),
          http: { port: httpPort },
          ingest: {
            mqtt: {
              url: mosquitto.url,
              clientId: uniqueName('gruwatch-e2e'),
              topics: [`plants/${site}/{asset}/telemetry`],
            },
            decoder: { type: 'json' },
            ...ingestAlign,
          },
          model,
          detector: { ...detector, silences: [], maintenance: [], overrides: [] },
          // The plant's clock is in January 2026; keep its records past the default retention.
          store: { synchronous: 'normal', retention: historicDataRetention },
          sinks: [
            {
              type: 'influxdb',
              url: influxdb.url,
              token: influxdb.token,
              bucket: `${database}/autogen`,
              database,
              retry: { initialDelayMs: 200, maxDelayMs: 1_000 },
            },
            {
              type: 'webhook',
              name: 'ops',
              url: `http://127.0.0.1:${receiver.port}/hooks`,
              signingKey,
              retry: { initialDelayMs: 200, maxDelayMs: 1_000, maxAttempts: 1_000 },
            },
          ],
        }),
      );
      const logs = join(artifactsDir, 'service-e2e');
      mkdirSync(logs, { recursive: true });
      let child = gruwatch(configFile, join(logs, 'gruwatch-1.log'));
      onTeardown(() => child.kill('SIGKILL'));
      await waitFor(async () => (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).ok, {
        what: 'gruwatch ready',
        timeoutMs: 30_000,
      });

      // 3. Three hours of live operation after the training day, with planted anomalies.
      const liveStartMs = t0 + 24 * hourMs;
      const anomalies: AnomalySpec[] = [
        {
          asset: 'pump-001',
          channel: 'flow_m3h',
          kind: 'correlation-break',
          startMs: liveStartMs + 40 * 60_000,
          durationMs: 15 * 60_000,
          magnitude: 0.5,
        },
        {
          asset: 'pump-002',
          channel: 'discharge_pressure_bar',
          kind: 'drift',
          startMs: liveStartMs + 80 * 60_000,
          durationMs: 15 * 60_000,
          magnitude: 1,
        },
      ];
      const publish = (fromMs: number, durationMs: number, items: AnomalySpec[]) =>
        runSimulation(
          simulateOptionsSchema.parse({
            assets: 3,
            kind: 'pump',
            seed,
            startMs: fromMs,
            periodMs,
            durationMs,
            pace: 'fast',
            anomalies: { type: 'schedule', items },
            target: {
              type: 'mqtt',
              url: mosquitto.url,
              format: 'json',
              topicTemplate: 'plants/{site}/{asset}/telemetry',
              site,
            },
          }),
          { logger: createSilentLogger(), clock: systemClock },
        );
      const phase1 = await publish(liveStartMs, 2 * hourMs, anomalies).done;
      await waitFor(
        async () => (await metric(httpPort, 'ingest_messages_total')) >= phase1.messages || undefined,
        {
          what: 'gruwatch to take every published message',
          timeoutMs: 120_000,
        },
      );
      const opened = async () =>
        (
          await query(`SELECT "alert_id", "top_channels", "asset", "event" FROM "gruwatch_alert"`, database)
        )[0]?.values ?? [];
      await waitFor(async () => (await metric(httpPort, 'sink_queue_depth_rows')) === 0 || undefined, {
        what: 'the outbox to drain',
        timeoutMs: 60_000,
      });
      const alertRows = await opened();
      const openedAlerts = alertRows
        .filter((r) => r[4] === 'opened')
        .map((r) => ({ atMs: r[0] as number, topChannels: String(r[2]).split(','), assetId: String(r[3]) }));

      // Precision and recall on the planted anomalies: an alert opened on the asset from the
      // anomaly's start to one window after its end counts as detecting it.
      const windowMs = 32 * periodMs;
      const matches = (a: { assetId: string; atMs: number }, s: AnomalySpec) =>
        a.assetId === s.asset && a.atMs >= s.startMs && a.atMs <= s.startMs + (s.durationMs ?? 0) + windowMs;
      const truePositives = openedAlerts.filter((a) => anomalies.some((s) => matches(a, s)));
      const detected = anomalies.filter((s) => openedAlerts.some((a) => matches(a, s)));
      const report = {
        scoringLatencyP50Seconds: await histogramQuantile(httpPort, 'detector_score_latency_seconds', 0.5),
        scoringLatencyP99Seconds: await histogramQuantile(httpPort, 'detector_score_latency_seconds', 0.99),
        planted: anomalies.length,
        alertsOpened: openedAlerts.length,
        precision: openedAlerts.length === 0 ? 0 : truePositives.length / openedAlerts.length,
        recall: detected.length / anomalies.length,
        alerts: openedAlerts,
      };
      writeFileSync(join(logs, 'detection.json'), `${JSON.stringify(report, null, 2)}\n`);
      expect(report.recall).toBe(1);
      expect(report.precision).toBe(1);
      for (const spec of anomalies) {
        const alert = openedAlerts.find((a) => matches(a, spec))!;
        expect(alert.topChannels[0], `top channel of the alert on ${spec.asset}`).toBe(spec.channel);
      }

      // The asset view's signals come with the model's reconstruction, which follows a normal signal.
      // Messages taken are not yet windows scored: wait until pump-003 is scored near the phase's end,
      // since an asset's windows are scored in event-time order.
      await waitFor(
        async () => {
          const tail = (await (
            await fetch(
              `http://127.0.0.1:${httpPort}/api/assets/pump-003/frames?from=${liveStartMs + 110 * 60_000}&to=${liveStartMs + 112 * 60_000}&limit=200`,
            )
          ).json()) as { points: { reconstruction: unknown[] | null }[] };
          return tail.points.some((p) => p.reconstruction !== null) || undefined;
        },
        { what: "pump-003's windows to be scored up to 110 min into the phase", timeoutMs: 120_000 },
      );
      const view = (await (
        await fetch(
          `http://127.0.0.1:${httpPort}/api/assets/pump-003/frames?from=${liveStartMs + 10 * 60_000}&to=${liveStartMs + 2 * hourMs}&limit=7200`,
        )
      ).json()) as {
        channels: string[];
        points: { values: (number | null)[]; reconstruction: (number | null)[] | null }[];
      };
      expect(view.channels).toEqual(channels);
      const flow = channels.indexOf('flow_m3h');
      const pairs = view.points
        .filter((p) => p.reconstruction !== null && p.values[flow] !== null)
        .map((p) => [p.values[flow]!, p.reconstruction![flow]!] as const);
      expect(pairs.length).toBeGreaterThan(view.points.length * 0.8);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      // Within a few percent of the signal: the reconstruction tracks the sensor, not a constant.
      const relativeError =
        mean(pairs.map(([x, y]) => Math.abs(x - y))) / mean(pairs.map(([x]) => Math.abs(x)));
      const flowMean = mean(pairs.map(([x]) => x));
      const constantError =
        mean(pairs.map(([x]) => Math.abs(x - flowMean))) / mean(pairs.map(([x]) => Math.abs(x)));
      writeFileSync(
        join(logs, 'reconstruction.json'),
        `${JSON.stringify({ relativeError, constantError })}\n`,
      );
      expect(relativeError, 'mean absolute reconstruction error of flow, relative to flow').toBeLessThan(
        0.05,
      );
      expect(relativeError, 'reconstruction error against predicting the mean').toBeLessThan(
        constantError / 2,
      );

      // 4. Outage: InfluxDB and the receiver go away, gruwatch is killed and restarted meanwhile.
      await stopServer('influxdb');
      onTeardown(() => startServer('influxdb'));
      await receiver.stop();
      const phase2Start = liveStartMs + 2 * hourMs;
      const outageAnomaly: AnomalySpec = {
        asset: 'pump-003',
        channel: 'flow_m3h',
        kind: 'correlation-break',
        startMs: phase2Start + 20 * 60_000,
        durationMs: 10 * 60_000,
        magnitude: 0.5,
      };
      const phase2 = publish(phase2Start, hourMs, [outageAnomaly]);
      await waitFor(
        async () => (await metric(httpPort, 'ingest_messages_total')) >= phase1.messages + 3_000 || undefined,
        {
          what: 'gruwatch to take part of the outage stream',
          timeoutMs: 60_000,
        },
      );
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      const phase2Counters = await phase2.done;
      child = gruwatch(configFile, join(logs, 'gruwatch-2.log'));
      await waitFor(async () => (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).ok, {
        what: 'gruwatch ready again',
        timeoutMs: 30_000,
      });
      await startServer('influxdb');
      await receiver.start();

      // 5. The restarted gruwatch takes what the killed one had not acknowledged: every frame of
      //    the three hours is stored, contiguous, and every window that should be scored is
      //    scored exactly once (derived from the stored frames: T frames ending on every hop-th
      //    grid cell, not scored while any frame is a gap or the machine is off).
      const db = new Database(join(dir, 'data', 'gruwatch.db'), { readonly: true, fileMustExist: true });
      onTeardown(() => db.close());
      const endMs = phase2Start + hourMs;
      const framesOf = (assetId: string) =>
        db
          .prepare('SELECT at_ms, state, vals FROM frames WHERE asset_id = ? ORDER BY at_ms')
          .all(assetId) as {
          at_ms: number;
          state: string;
          vals: Buffer;
        }[];
      await waitFor(
        () => assets.every((a) => (framesOf(a).at(-1)?.at_ms ?? 0) >= endMs - 30 * periodMs) || undefined,
        { what: 'the restarted gruwatch to store the last frames', timeoutMs: 120_000 },
      );
      const expectedScores = new Map<string, number[]>();
      for (const assetId of assets) {
        const frames = framesOf(assetId);
        expect(frames[0]!.at_ms).toBeLessThanOrEqual(liveStartMs + periodMs);
        expect(frames.length, `${assetId}: frames are contiguous`).toBe(
          (frames.at(-1)!.at_ms - frames[0]!.at_ms) / periodMs + 1,
        );
        const isRunning = frames.map((f) => {
          const speed = new Float64Array(f.vals.buffer, f.vals.byteOffset, f.vals.byteLength / 8)[0]!;
          return f.state === 'ok' && speed >= 100;
        });
        const expected: number[] = [];
        for (let i = 31; i < frames.length; i++) {
          const isWindowEnd = (frames[i]!.at_ms / periodMs + 1) % 8 === 0; // ingest's window grid
          if (isWindowEnd && isRunning.slice(i - 31, i + 1).every(Boolean)) expected.push(frames[i]!.at_ms);
        }
        expectedScores.set(assetId, expected);
      }
      await waitFor(async () => (await metric(httpPort, 'sink_queue_depth_rows')) === 0 || undefined, {
        what: 'the outbox to drain after the outage',
        timeoutMs: 120_000,
      });
      for (const assetId of assets) {
        const stored = (
          db.prepare('SELECT at_ms FROM scores WHERE asset_id = ? ORDER BY at_ms').all(assetId) as {
            at_ms: number;
          }[]
        ).map((r) => r.at_ms);
        expect(stored, `${assetId}: every window scored exactly once`).toEqual(expectedScores.get(assetId));
      }
      const storedScores = assets.map((a) => expectedScores.get(a)!.length);
      const influxScores = (
        await query(`SELECT count("score") FROM "gruwatch_score" GROUP BY "asset"`, database)
      ).map((s) => s.values[0]![1] as number);
      expect(influxScores.reduce((a, b) => a + b, 0)).toBe(storedScores.reduce((a, b) => a + b, 0));
      // Every message of both phases was taken: the persistent session kept what the killed process had not acknowledged.
      expect(phase2Counters.messages).toBeGreaterThan(0);

      const storedAlerts = (
        (await (await fetch(`http://127.0.0.1:${httpPort}/api/alerts?limit=1000`)).json()) as {
          alerts: { id: string; type: string; atMs: number; assetId: string; topChannels: string[] }[];
        }
      ).alerts;
      const influxAlerts = await opened();
      expect(influxAlerts.length).toBe(storedAlerts.length);
      expect(
        storedAlerts.some(
          (a) => a.assetId === 'pump-003' && a.type === 'opened' && a.topChannels[0] === 'flow_m3h',
        ),
      ).toBe(true);

      const keys = receiver.received.map((r) => {
        const verification = verifyWebhookSignature(signingKey, r.headers, r.body, 600);
        expect(verification.ok, JSON.stringify(verification)).toBe(true);
        return String(r.headers['idempotency-key']);
      });
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys.length).toBe(storedAlerts.length);
      writeFileSync(
        join(logs, 'outage.json'),
        `${JSON.stringify({ scores: storedScores, alerts: storedAlerts.length, webhooks: keys.length }, null, 2)}\n`,
      );
    }, 600_000);
  });
});
