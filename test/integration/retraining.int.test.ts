// Retraining as a plant lives it: two pumps run on a model trained on their
// old operating point; a fault comes and goes (its alert period must not be
// learned); then both get a new impeller, which shifts discharge pressure and
// motor current, and the old model floods the operators with false alerts. An
// operator marks the time since the change as the new normal; the scheduled
// retrain (reading InfluxDB through InfluxQL) learns it, validates it against
// the current model, and the running service swaps models between two windows.
// Afterwards the new normal raises no alert, the same fault still does, no
// window was lost or scored twice across the swap, every model change is an
// event in InfluxDB, and `gruwatch models rollback` brings the old model back
// into the running service.

import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { expect, it } from 'vitest';
import { fittingFor } from '../../bin/model-kinds.js';
import type { AlertEventView, ModelView } from '../../dashboards/api/index.js';
import { fitModel } from '../../detector/retraining/index.js';
import {
  type AnomalySpec,
  alignReadings,
  createPlant,
  type SensorReading,
  tickReadings,
} from '../../ingest/index.js';
import { createModelRegistry } from '../../model/node/index.js';
import { freePort } from '../helpers/free-port.js';
import { historicDataRetention } from '../helpers/historic-retention.js';
import { influxql } from '../helpers/influxql.js';
import { describeWithServer, onTeardown, uniqueName, waitFor } from '../helpers/integration.js';
import { pumpChannels, pumpPlantSettings } from '../helpers/pump-plant.js';
import {
  gruwatchCli,
  histogramQuantile,
  metricSum,
  spawnGruwatch,
  testArtifactsDir,
} from '../helpers/service-process.js';

const hourMs = 3_600_000;
const periodMs = 2_000;
const channels = pumpChannels;
const assets = ['pump-001', 'pump-002'];
// The seed of the end-to-end test: its first day trains a model that is quiet on the next hours.
const seed = 20261125;
const T = 32;
const hop = 8;

describeWithServer('mosquitto', 'retraining in the running service', (mosquitto) => {
  describeWithServer('influxdb', 'with InfluxDB as the frame source', (influxdb) => {
    it('learns a new operating point marked normal, not a fault, and swaps models without losing or repeating a window', async () => {
      expect(existsSync(gruwatchCli), `${gruwatchCli} is missing; run npm run build first`).toBe(true);
      const dir = mkdtempSync(join(tmpdir(), 'gruwatch-retrain-'));
      onTeardown(() => rmSync(dir, { recursive: true, force: true }));
      const logs = join(testArtifactsDir, 'retraining');
      mkdirSync(logs, { recursive: true });
      const database = uniqueName('gw_retrain').replaceAll('-', '_');
      const query = (q: string) => influxql(influxdb, q, { database });
      await influxql(influxdb, `CREATE DATABASE "${database}"`);
      onTeardown(() => influxql(influxdb, `DROP DATABASE "${database}"`));

      const t0 = Date.UTC(2026, 0, 12, 0, 0, 0);
      const { detector, model, ingestAlign } = pumpPlantSettings(periodMs);

      // The plant: the same seeded pumps throughout. A day of history trains the first model;
      // live operation starts the next day. From `impellerAtMs` on, new impellers give the pumps
      // another curve: a new normal, not a fault. It runs a full day
      // (the demand cycle) before the retrain that is expected to learn it.
      const liveStartMs = t0 + 24 * hourMs;
      const impellerAtMs = liveStartMs + 2 * hourMs;
      const newNormalEndMs = impellerAtMs + 24 * hourMs;
      const plantStart = t0;
      const fault = (startMs: number): AnomalySpec => ({
        asset: 'pump-002',
        channel: 'discharge_pressure_bar',
        kind: 'drift',
        startMs,
        durationMs: 15 * 60_000,
        magnitude: 1,
      });
      const firstFault = fault(liveStartMs + 60 * 60_000);
      const secondFault = fault(newNormalEndMs + hourMs);
      const plant = createPlant({
        assets: assets.length,
        kind: 'pump',
        seed,
        startMs: plantStart,
        periodMs,
        anomalies: [firstFault, secondFault],
      });
      // A new, trimmed impeller: a different pump curve (20 % less flow at 20 % more head, 10 % more current).
      const newCurve: Record<string, { factor: number; decimals: number }> = {
        flow_m3h: { factor: 0.8, decimals: 1 },
        discharge_pressure_bar: { factor: 1.2, decimals: 2 },
        motor_current_a: { factor: 1.1, decimals: 1 },
      };
      const shifted = (r: SensorReading): SensorReading => {
        const change = newCurve[r.channel];
        if (r.timestampMs < impellerAtMs || change === undefined) return r;
        const unit = 10 ** change.decimals;
        return { ...r, value: Math.round(r.value * change.factor * unit) / unit };
      };
      const readingsUntil = (toMs: number): SensorReading[] => {
        const out: SensorReading[] = [];
        for (const tick of plant.generate(toMs)) out.push(...tickReadings(tick, plant.assets).map(shifted));
        return out;
      };

      // 1. The first model: a day of the old operating point.
      const history = readingsUntil(liveStartMs);
      const segments = assets.map(
        (a) =>
          alignReadings(
            history.filter((r) => r.assetId === a),
            channels,
            ingestAlign,
          )!,
      );
      const fitted = await fitModel({
        segments,
        channels,
        periodMs,
        ...fittingFor(model),
        detector,
        isInWorker: false,
      });
      const registry = createModelRegistry(join(dir, 'data', 'models'));
      const firstVersion = await registry.add('pumps', fitted.bytes);
      await registry.promote('pumps', firstVersion);

      // 2. gruwatch run with scheduled retraining, reading frames back from InfluxDB.
      const site = uniqueName('site');
      const httpPort = await freePort();
      const api = `http://127.0.0.1:${httpPort}/api`;
      const configFile = join(dir, 'gruwatch.yaml');
      writeFileSync(
        configFile,
        JSON.stringify({
          dataDir: join(dir, 'data'),
          http: { port: httpPort },
          ingest: {
            mqtt: {
              url: mosquitto.url,
              clientId: uniqueName('gruwatch-retrain'),
              topics: [`plants/${site}/+/telemetry`],
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
          ],
          retraining: {
            enabled: true,
            everyMs: 20_000,
            checkIntervalMs: 1_000,
            lookbackMs: 26 * hourMs,
            source: 'influxdb',
            minWindows: 200,
            alertMarginBeforeMs: 10 * 60_000,
            alertMarginAfterMs: 10 * 60_000,
            validationFraction: 0.2,
            warmStart: true,
          },
        }),
      );
      const child: ChildProcess = spawnGruwatch(['run', '-c', configFile], join(logs, 'gruwatch.log'));
      onTeardown(() => child.kill('SIGKILL'));
      await waitFor(async () => (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).ok, {
        what: 'gruwatch ready',
        timeoutMs: 30_000,
      });

      const client = await mqtt.connectAsync(mosquitto.url, { clientId: uniqueName('plant') });
      onTeardown(() => client.endAsync());
      let published = 0;
      const publish = async (readings: SensorReading[]) => {
        const byFrame = new Map<string, { asset: string; ts: number; values: Record<string, number> }>();
        for (const r of readings) {
          const key = `${r.assetId}@${r.timestampMs}`;
          let message = byFrame.get(key);
          if (message === undefined) {
            message = { asset: r.assetId, ts: r.timestampMs, values: {} };
            byFrame.set(key, message);
          }
          message.values[r.channel] = r.value;
        }
        let inFlight: Promise<unknown>[] = [];
        for (const message of byFrame.values()) {
          inFlight.push(
            client.publishAsync(`plants/${site}/${message.asset}/telemetry`, JSON.stringify(message), {
              qos: 1,
            }),
          );
          if (inFlight.length >= 200) {
            await Promise.all(inFlight);
            inFlight = [];
          }
        }
        await Promise.all(inFlight);
        published += byFrame.size;
        await waitFor(
          async () => (await metricSum(httpPort, 'ingest_messages_total')) >= published || undefined,
          {
            what: 'gruwatch to take every published message',
            timeoutMs: 120_000,
          },
        );
      };
      const alerts = async (): Promise<AlertEventView[]> =>
        ((await (await fetch(`${api}/alerts?limit=10000`)).json()) as { alerts: AlertEventView[] }).alerts;
      const models = async (): Promise<ModelView[]> =>
        ((await (await fetch(`${api}/models`)).json()) as { models: ModelView[] }).models;

      // 3. Two hours at the old operating point with a fault on pump-002.
      await publish(readingsUntil(impellerAtMs));
      // The engineer knows when the impeller was changed and marks what follows as the new normal.
      const label = await fetch(`${api}/labels`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          assetPattern: 'pump-*',
          fromMs: impellerAtMs,
          toMs: t0 + 48 * hourMs,
          kind: 'normal',
          reason: 'new impellers fitted',
          createdBy: 'reliability engineer',
        }),
      });
      expect(label.status).toBe(201);
      // 4. A day after the impeller change, on the old model.
      await publish(readingsUntil(newNormalEndMs));
      const beforeRetrain = await alerts();
      writeFileSync(join(logs, 'alerts-before.json'), `${JSON.stringify(beforeRetrain, null, 2)}\n`);
      // Opened by the first model on the new normal (later retrains during the day adapt step by step).
      const falseBefore = beforeRetrain.filter(
        (a) => a.type === 'opened' && a.atMs >= impellerAtMs && a.modelVersion === firstVersion,
      );
      const faultAlert = beforeRetrain.find(
        (a) =>
          a.type === 'opened' &&
          a.assetId === 'pump-002' &&
          a.atMs >= firstFault.startMs &&
          a.atMs <= firstFault.startMs + firstFault.durationMs! + T * periodMs,
      );
      expect(faultAlert, 'the first fault raised an alert').toBeDefined();
      expect(falseBefore.length, 'the old model alerts on the new operating point').toBeGreaterThan(0);

      // 5. Scheduled retrains follow the data; once one has seen the whole new-normal day, the next
      //    finds nothing newer. The model serving then must have been trained on the new normal.
      await waitFor(
        async () =>
          (await models())
            .find((m) => m.name === 'pumps')
            ?.retraining?.lastRun?.reason.startsWith('no new data since the last retrain') || undefined,
        { what: 'the scheduled retrains to catch up with the data', timeoutMs: 300_000, intervalMs: 1_000 },
      );
      const promoted = (await models()).find((m) => m.name === 'pumps')!;
      expect(promoted.version).not.toBe(firstVersion);
      expect(promoted.training?.dataRange?.endMs ?? 0).toBeGreaterThan(impellerAtMs + 12 * hourMs);
      const promotedAtMs = Date.now();
      const secondVersion = promoted.version!;
      expect(promoted.training?.warmStartFrom, 'warm start from the model it replaces').toBeTruthy();

      // 6. Two more hours of the new normal, with the same fault again on pump-002.
      await publish(readingsUntil(newNormalEndMs + 2 * hourMs));
      // Later scheduled retrains may promote again as data keeps coming; none may be the first model.
      const afterRetrain = (await alerts()).filter((a) => a.type === 'opened' && a.atMs >= newNormalEndMs);
      expect(afterRetrain.every((a) => a.modelVersion !== firstVersion)).toBe(true);
      const isSecondFault = (a: AlertEventView) =>
        a.assetId === 'pump-002' &&
        a.atMs >= secondFault.startMs &&
        a.atMs <= secondFault.startMs + secondFault.durationMs! + T * periodMs;
      const falseAfter = afterRetrain.filter((a) => !isSecondFault(a));
      const report = {
        falseAlertsBefore: falseBefore.length,
        falseAlertsAfter: falseAfter.length,
        secondFaultDetected: afterRetrain.some(isSecondFault),
        firstVersion,
        secondVersion,
        promotedAfterMs: promotedAtMs,
        scoringP99Seconds: await histogramQuantile(httpPort, 'detector_score_latency_seconds', 0.99),
      };
      writeFileSync(join(logs, 'drift.json'), `${JSON.stringify(report, null, 2)}\n`);
      expect(falseAfter, 'no false alert on the new normal after the retrain').toEqual([]);
      expect(report.secondFaultDetected, 'the fault was not learned as normal').toBe(true);

      // 7. Across the swap every window was scored exactly once, by one model at a time.
      const db = new Database(join(dir, 'data', 'gruwatch.db'), { readonly: true, fileMustExist: true });
      onTeardown(() => db.close());
      let expectedTotal = 0;
      for (const assetId of assets) {
        const frames = db
          .prepare('SELECT at_ms, state, vals FROM frames WHERE asset_id = ? ORDER BY at_ms')
          .all(assetId) as { at_ms: number; state: string; vals: Buffer }[];
        const isRunning = frames.map((f) => {
          const speed = new Float64Array(f.vals.buffer, f.vals.byteOffset, f.vals.byteLength / 8)[0]!;
          return f.state === 'ok' && speed >= 100;
        });
        const expected: number[] = [];
        for (let i = T - 1; i < frames.length; i++) {
          const isWindowEnd = (frames[i]!.at_ms / periodMs + 1) % hop === 0;
          if (isWindowEnd && isRunning.slice(i - T + 1, i + 1).every(Boolean))
            expected.push(frames[i]!.at_ms);
        }
        const scored = db
          .prepare('SELECT at_ms, model_version FROM scores WHERE asset_id = ? ORDER BY at_ms')
          .all(assetId) as { at_ms: number; model_version: string }[];
        expect(
          scored.map((s) => s.at_ms),
          `${assetId}: every window scored`,
        ).toEqual(expected);
        // Versions change in promotion order only: never back and forth between two windows.
        const runs = scored.map((s) => s.model_version).filter((v, i, all) => i === 0 || all[i - 1] !== v);
        expect(new Set(runs).size, `${assetId}: model versions in one run each`).toBe(runs.length);
        expect(runs).toContain(secondVersion);
        expectedTotal += expected.length;
      }
      // Scored once each: the counter of scorings equals the number of windows.
      expect(await metricSum(httpPort, 'detector_windows_scored_total')).toBe(expectedTotal);

      // 8. Every change is an event in InfluxDB.
      await waitFor(async () => (await metricSum(httpPort, 'sink_queue_depth_rows')) === 0 || undefined, {
        what: 'the outbox to drain',
        timeoutMs: 60_000,
      });
      const modelEvents = async () => {
        const series = (await query(`SELECT * FROM "gruwatch_model_event"`))[0];
        const column = (name: string) => series?.columns.indexOf(name) ?? -1;
        return (series?.values ?? []).map((row) => ({
          event: row[column('event')] as string,
          version: row[column('version')] as string | null,
        }));
      };
      const events = await modelEvents();
      expect(events.some((e) => e.event === 'promoted' && e.version === secondVersion)).toBe(true);
      expect(events.some((e) => e.event === 'retrain_started')).toBe(true);
      expect(events.some((e) => e.event === 'retrain_skipped')).toBe(true);

      // 9. Rolling back from the command line reaches the running service. First the schedule
      //    settles: with no newer data a scheduled run is skipped, so nothing promotes meanwhile.
      await waitFor(
        async () =>
          (await models())
            .find((m) => m.name === 'pumps')
            ?.retraining?.lastRun?.reason.startsWith('no new data since the last retrain') || undefined,
        { what: 'a scheduled retrain to find no new data', timeoutMs: 120_000, intervalMs: 500 },
      );
      const servedBeforeRollback = (await models()).find((m) => m.name === 'pumps')!.version!;
      const rollback = spawnGruwatch(
        ['models', 'rollback', 'pumps', '-c', configFile],
        join(logs, 'rollback.log'),
      );
      const code = await new Promise<number | null>((resolve) => rollback.once('exit', resolve));
      expect(code).toBe(0);
      const restored = await registry.current('pumps');
      expect(restored).not.toBe(servedBeforeRollback);
      await waitFor(
        async () =>
          (await models()).find((m) => m.name === 'pumps')?.version === restored ? true : undefined,
        { what: 'the service to serve the rolled-back version', timeoutMs: 30_000 },
      );
      await waitFor(
        async () =>
          (await modelEvents()).some((e) => e.event === 'rolled_back' && e.version === restored) || undefined,
        { what: 'the rollback event in InfluxDB', timeoutMs: 30_000 },
      );
    }, 600_000);
  });
});
