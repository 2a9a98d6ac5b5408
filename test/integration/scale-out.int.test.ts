// Three `gruwatch run` instances in one consumer group on a topic of 12
// partitions, the simulator producing 60 pumps at 1 Hz, one InfluxDB and a real
// webhook receiver: an instance SIGKILLed while an alert is open on one of its
// assets, a rolling restart of all three, and a group scaled from 1 to 3
// instances under load. Holes are read from InfluxDB, alert events from the
// receiver, assignment and lag from Kafka.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs, { type Admin } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSilentLogger, systemClock } from '../../core/index.js';
import { runSimulation, type SimulationHandle, simulateOptionsSchema } from '../../ingest/index.js';
import { influxql } from '../helpers/influxql.js';
import { describeWithServer, uniqueName, waitFor } from '../helpers/integration.js';
import {
  assignmentByInstance,
  createGroupInstance,
  createGroupTopics,
  type GroupInstance,
  type GroupKafka,
  groupHopSteps,
  groupLag,
  groupPeriodMs,
  influxScoreTimes,
  longestHoleMs,
  trainGroupModel,
} from '../helpers/scale-group.js';
import { testArtifactsDir } from '../helpers/service-process.js';
import { readStore } from '../helpers/small-service.js';

const { Kafka, logLevel } = kafkajs;
const assetCount = 60;
/** No pump of this seed stops in the first hour of its run, so no asset's scores pause for a stop. */
const seed = 40;
/** Minutes of the plant's run the model learns before the live part. */
const trainingMinutes = 10;
const alertAsset = 'pump-007';
const hopMs = groupHopSteps * groupPeriodMs;
const maxHoleMs = 2 * hopMs;
const sessionTimeoutMs = 6_000;
/** When the planted anomaly begins, after the live run's start. */
const anomalyAfterMs = 45_000;

interface Delivery {
  key: string;
  alertId: string;
  assetId: string;
  event: string;
  openedAtMs: number;
  body: string;
}

describeWithServer('kafka', 'Scale-out: three instances in one consumer group', (kafka) => {
  describeWithServer('influxdb', 'with InfluxDB and a webhook receiver', (influxdb) => {
    const cleanups: (() => unknown)[] = [];
    const received: Delivery[] = [];
    const instances: GroupInstance[] = [];
    let admin: Admin;
    let group: GroupKafka;
    let dir: string;
    let registryDir: string;
    let database: string;
    let simulation: SimulationHandle;
    let liveStartMs: number;
    let home: Map<string, number[]>;
    const logDir = join(testArtifactsDir, 'scale-out', uniqueName('run'));

    /** Events of alerts on the planted asset opened since the anomaly began (the model may alarm before). */
    const alertEvents = () =>
      received.filter((d) => d.assetId === alertAsset && d.openedAtMs >= liveStartMs + anomalyAfterMs);
    const byKey = (deliveries: Delivery[]) => new Map(deliveries.map((d) => [d.key, d]));
    /** Waits until every asset has a score in InfluxDB at or after `untilMs` and returns the score times. */
    const scoredUntil = (untilMs: number, timeoutMs: number) =>
      waitFor(
        async () => {
          const times = await influxScoreTimes(influxdb, database, liveStartMs);
          const behind = [...Array(assetCount).keys()]
            .map((i) => `pump-${String(i + 1).padStart(3, '0')}`)
            .filter((a) => (times.get(a)?.at(-1) ?? 0) < untilMs);
          return behind.length === 0 ? times : undefined;
        },
        { what: `every asset scored in InfluxDB up to ${new Date(untilMs).toISOString()}`, timeoutMs },
      );
    const holes = (times: Map<string, number[]>, untilMs: number) =>
      [...times].map(([asset, t]) => ({ asset, longestHoleMs: longestHoleMs(t, untilMs) }));
    const settledAssignment = (members: number) =>
      waitFor(
        async () => {
          const assignment = await assignmentByInstance(admin, group.groupId, group.topic);
          const assigned = [...assignment.values()].flat();
          return assignment.size === members && assigned.length === 12 ? assignment : undefined;
        },
        { what: `${members} members holding the 12 partitions`, timeoutMs: 60_000 },
      );
    const newestScoreDueMs = () => (simulation.counters().lastTimestampMs ?? 0) - 3 * hopMs;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'gruwatch-scale-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const client = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING });
      admin = client.admin();
      await admin.connect();
      cleanups.push(() => admin.disconnect());
      group = {
        brokers: kafka.brokers,
        groupId: uniqueName('scale-group'),
        topic: uniqueName('scale-input'),
        changelogTopic: uniqueName('scale-state'),
        sessionTimeoutMs,
      };
      await createGroupTopics(admin, { input: group.topic, changelog: group.changelogTopic, partitions: 12 });
      cleanups.push(() =>
        admin.deleteTopics({ topics: [group.topic, group.changelogTopic] }).catch(() => undefined),
      );
      database = uniqueName('gw_scale').replaceAll('-', '_');
      await influxql(influxdb, `CREATE DATABASE "${database}"`);
      cleanups.push(() => influxql(influxdb, `DROP DATABASE "${database}"`));

      const receiver: Server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const { data } = JSON.parse(body) as {
            data: { alertId: string; assetId: string; event: string; openedAtMs: number };
          };
          received.push({ key: String(req.headers['idempotency-key']), ...data, body });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
      cleanups.push(
        () =>
          new Promise<void>((resolve) => {
            receiver.closeAllConnections();
            receiver.close(() => resolve());
          }),
      );

      // The live part starts 30 s in the past, so the windows fill from the backlog at once.
      liveStartMs = Math.floor(Date.now() / groupPeriodMs) * groupPeriodMs - 30_000;
      registryDir = join(dir, 'models');
      await trainGroupModel({ registryDir, seed, assets: assetCount, liveStartMs, minutes: trainingMinutes });
      const sinks = [
        {
          type: 'influxdb',
          url: influxdb.url,
          token: influxdb.token,
          bucket: `${database}/autogen`,
          database,
          measurements: { frames: false },
          retry: { initialDelayMs: 200, maxDelayMs: 1_000 },
        },
        {
          type: 'webhook',
          name: 'ops',
          url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
          signingKey: 'whsec-scale',
          retry: { initialDelayMs: 200, maxDelayMs: 1_000, maxAttempts: 1_000 },
        },
      ];
      for (const name of ['a', 'b', 'c'])
        instances.push(await createGroupInstance({ name, dir, registryDir, kafka: group, sinks, logDir }));
      cleanups.push(() => Promise.all(instances.map((i) => i.kill())));
      await Promise.all(instances.map((i) => i.start()));
      home = await settledAssignment(3);

      simulation = runSimulation(
        simulateOptionsSchema.parse({
          assets: assetCount,
          kind: 'pump',
          seed,
          // The run the model learned, continued: the pumps are running at liveStartMs as the model
          // knows them, not starting from standstill. Its past goes out at once.
          startMs: liveStartMs - trainingMinutes * 60_000,
          periodMs: groupPeriodMs,
          pace: 'realtime',
          anomalies: {
            type: 'schedule',
            items: [
              {
                asset: alertAsset,
                channel: 'flow_m3h',
                kind: 'noise-burst',
                startMs: liveStartMs + anomalyAfterMs,
                durationMs: 45_000,
                magnitude: 0.5,
              },
            ],
          },
          target: { type: 'kafka', brokers: kafka.brokers, topic: group.topic },
        }),
        { logger: createSilentLogger(), clock: systemClock },
      );
      cleanups.push(() => simulation.stop().catch(() => undefined));
    }, 180_000);

    afterAll(async () => {
      for (let next = cleanups.pop(); next !== undefined; next = cleanups.pop()) {
        try {
          await next();
        } catch (err) {
          process.stderr.write(`scale-out cleanup failed (ignored): ${String(err)}\n`);
        }
      }
    });

    it('(a) SIGKILL of the instance holding an open alert: the survivors take over with no hole, the alert keeps its id and resolves once', async () => {
      const opened = await waitFor(() => alertEvents().find((d) => d.event === 'opened'), {
        what: `an alert opened on ${alertAsset}`,
        timeoutMs: 120_000,
      });
      // The owner is the instance holding the asset's newest score (another may have held it briefly
      // while the group formed).
      const newest = instances.map((i) => readStore(i.dataDir, alertAsset).scoreAtMs.at(-1) ?? 0);
      const owner = instances[newest.indexOf(Math.max(...newest))]!;
      expect(readStore(owner.dataDir, alertAsset).alerts).toBeGreaterThan(0);
      const killedAtMs = Date.now();
      await owner.kill();

      await waitFor(() => alertEvents().some((d) => d.event === 'resolved'), {
        what: `the alert on ${alertAsset} resolved by a survivor`,
        timeoutMs: 120_000,
      });
      const untilMs = newestScoreDueMs();
      const times = await scoredUntil(untilMs, 60_000);
      const worst = holes(times, untilMs).sort((x, y) => y.longestHoleMs - x.longestHoleMs);
      expect(worst.filter((h) => h.longestHoleMs > maxHoleMs)).toEqual([]);
      expect(times.size).toBe(assetCount);

      // The receiver deduplicates by idempotency key: one opened and one resolved, both of the alert
      // the killed instance opened; a key delivered again carries the same event.
      const events = [...byKey(alertEvents()).values()];
      expect(events.filter((d) => d.event === 'opened').map((d) => d.alertId)).toEqual([opened.alertId]);
      expect(events.filter((d) => d.event === 'resolved').map((d) => d.alertId)).toEqual([opened.alertId]);
      expect(new Set(events.map((d) => d.alertId))).toEqual(new Set([opened.alertId]));
      for (const d of received) expect(d.body).toBe(byKey(received).get(d.key)!.body);
      // InfluxDB holds the same: one alert id for the asset, one opened point.
      const [alertSeries] = await influxql(
        influxdb,
        `SELECT "alert_id", "event" FROM "gruwatch_alert" WHERE "asset" = '${alertAsset}' AND "opened_at_ms" >= ${liveStartMs + anomalyAfterMs}`,
        { database },
      );
      const rows = alertSeries?.values ?? [];
      expect(new Set(rows.map((r) => r[1]))).toEqual(new Set([opened.alertId]));
      expect(rows.filter((r) => r[2] === 'opened')).toHaveLength(1);
      process.stdout.write(
        `${JSON.stringify({
          case: 'sigkill',
          killed: owner.name,
          alertId: opened.alertId,
          resolvedAfterKillMs: Date.now() - killedAtMs,
          longestHoleMs: worst[0]?.longestHoleMs,
          deliveries: received.length,
          distinctKeys: byKey(received).size,
        })}\n`,
      );
    }, 240_000);

    it('(b) rolling restart of all three: partitions return home, no hole', async () => {
      const killed = instances.find((i) => !i.isRunning());
      if (killed !== undefined) await killed.start();
      expect(await settledAssignment(3)).toEqual(home);
      for (const instance of instances) {
        expect(await instance.stop()).toBe(0);
        expect((await settledAssignment(2)).has(instance.name)).toBe(false);
        await instance.start();
        await waitFor(
          async () => {
            expect(await assignmentByInstance(admin, group.groupId, group.topic)).toEqual(home);
            return true;
          },
          { what: `the partitions of ${instance.name} back home`, timeoutMs: 60_000 },
        );
      }
      const untilMs = newestScoreDueMs();
      const times = await scoredUntil(untilMs, 60_000);
      const worst = holes(times, untilMs).sort((x, y) => y.longestHoleMs - x.longestHoleMs);
      expect(worst.filter((h) => h.longestHoleMs > maxHoleMs)).toEqual([]);
      // Every event of the alert the receiver saw is still one opened and one resolved.
      const events = [...byKey(alertEvents()).values()];
      expect(events.filter((d) => d.event === 'opened')).toHaveLength(1);
      expect(events.filter((d) => d.event === 'resolved')).toHaveLength(1);
      process.stdout.write(
        `${JSON.stringify({ case: 'rolling restart', longestHoleMs: worst[0]?.longestHoleMs, home: Object.fromEntries(home) })}\n`,
      );
    }, 240_000);

    it('(c) a group scaled from 1 to 3 instances under load: the lag goes back to 0', async () => {
      const scaled: GroupKafka = {
        ...group,
        groupId: uniqueName('scale-group-13'),
        changelogTopic: uniqueName('scale-state-13'),
      };
      await createGroupTopics(admin, { changelog: scaled.changelogTopic, partitions: 12 });
      cleanups.push(() => admin.deleteTopics({ topics: [scaled.changelogTopic] }).catch(() => undefined));
      const more: GroupInstance[] = [];
      for (const name of ['x', 'y', 'z'])
        more.push(await createGroupInstance({ name, dir, registryDir, kafka: scaled, sinks: [], logDir }));
      cleanups.push(() => Promise.all(more.map((i) => i.kill())));
      // One instance takes the whole input from the beginning, plus 60 records a second.
      await more[0]!.start();
      const lagWhenScaling = (await groupLag(admin, scaled.groupId, scaled.topic)).reduce((s, l) => s + l, 0);
      expect(lagWhenScaling).toBeGreaterThan(10 * assetCount);
      const scaledAtMs = Date.now();
      await Promise.all(more.slice(1).map((i) => i.start()));
      // Caught up: every partition's committed offset reaches the end of the log seen one poll before.
      let endsBefore: number[] | undefined;
      await waitFor(
        async () => {
          const ends = (await admin.fetchTopicOffsets(scaled.topic))
            .sort((x, y) => x.partition - y.partition)
            .map((p) => Number(p.high));
          const lag = await groupLag(admin, scaled.groupId, scaled.topic);
          const caughtUp = endsBefore !== undefined && lag.every((l, p) => ends[p]! - l >= endsBefore![p]!);
          endsBefore = ends;
          return caughtUp;
        },
        { what: 'the scaled group caught up (lag 0)', timeoutMs: 180_000, intervalMs: 500 },
      );
      const assignment = await assignmentByInstance(admin, scaled.groupId, scaled.topic);
      expect([...assignment.values()].map((p) => p.length)).toEqual([4, 4, 4]);
      const scoredBy = more.map(
        (i) => simulation.assets.filter((a) => readStore(i.dataDir, a.assetId).scoreAtMs.length > 0).length,
      );
      expect(scoredBy.every((n) => n > 0)).toBe(true);
      // All three stopped at once: each one's stop moves partitions to the others while they stop too.
      const stopAllMs = Date.now();
      const codes = await Promise.race([
        Promise.all(more.map((i) => i.stop())),
        new Promise((resolve) => setTimeout(() => resolve('still running after 60 s'), 60_000)),
      ]);
      expect(codes).toEqual([0, 0, 0]);
      process.stdout.write(
        `${JSON.stringify({ case: 'scale 1 to 3', stoppedAllInMs: Date.now() - stopAllMs, lagWhenScaling, caughtUpAfterMs: Date.now() - scaledAtMs, assetsScoredBy: scoredBy })}\n`,
      );
    }, 240_000);
  });
});
