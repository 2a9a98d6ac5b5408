// The InfluxDB sink against the real InfluxDB 1.8 (auth on): records committed to
// the local store reach InfluxDB through the outbox and come back through InfluxQL
// with the documented tags and fields; while InfluxDB is stopped the outbox holds
// the points (bounded, pushing back on commits) and every point lands exactly once
// when it returns, also after the delivering side died during the outage.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import {
  createSilentLogger,
  isPipelineError,
  MemoryTelemetry,
  Secret,
  systemClock,
  type Telemetry,
} from '../../core/index.js';
import {
  createInfluxdbRoute,
  createInfluxdbSink,
  createInfluxqlReader,
  createLocalStore,
  createOutboxDrainer,
  type InfluxdbSinkConfig,
  influxdbSinkConfigSchema,
  type LocalStore,
  type OutboxDrainer,
  sinkQueueName,
  storeConfigSchema,
} from '../../detector/sinks/index.js';
import { alertAt, batchOf, frameAt, scoreAt } from '../fixtures/sink-records.js';
import { influxql } from '../helpers/influxql.js';
import {
  describeWithServer,
  onTeardown,
  startServer,
  stopServer,
  uniqueName,
  waitFor,
} from '../helpers/integration.js';

describeWithServer('influxdb', 'InfluxDB sink against the real InfluxDB', (influxdb) => {
  const query = (q: string, method: 'GET' | 'POST' = 'GET', database?: string) =>
    influxql(influxdb, q, { method, ...(database !== undefined ? { database } : {}) });

  /** A fresh database per test, dropped afterwards. */
  async function freshDatabase(): Promise<string> {
    const database = uniqueName('gw_sinks').replaceAll('-', '_');
    await query(`CREATE DATABASE "${database}"`, 'POST');
    onTeardown(() => query(`DROP DATABASE "${database}"`, 'POST'));
    return database;
  }

  function sinkConfig(database: string): InfluxdbSinkConfig {
    return influxdbSinkConfigSchema.parse({
      type: 'influxdb',
      url: influxdb.url,
      token: influxdb.token,
      org: influxdb.org,
      bucket: `${database}/autogen`,
      database,
      timeoutMs: 2_000,
      maxBatchRows: 50,
      retry: { initialDelayMs: 100, maxDelayMs: 500, jitter: 0.2 },
    });
  }

  async function openStore(
    path: string,
    config: InfluxdbSinkConfig,
    maxOutboxRows?: number,
  ): Promise<LocalStore> {
    return createLocalStore(
      { ...storeConfigSchema.parse({ maxOutboxRows }), path },
      {
        clock: systemClock,
        logger: createSilentLogger(),
        routes: [createInfluxdbRoute(config)],
      },
    );
  }

  async function tempPath(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'gruwatch-influx-'));
    onTeardown(() => rm(dir, { recursive: true, force: true }));
    return join(dir, 'gruwatch.db');
  }

  function drainerFor(store: LocalStore, config: InfluxdbSinkConfig, telemetry?: Telemetry): OutboxDrainer {
    return createOutboxDrainer(
      createInfluxdbSink(config, { clock: systemClock, logger: createSilentLogger() }),
      store.outbox,
      config.retry,
      {
        clock: systemClock,
        logger: createSilentLogger(),
        telemetry,
        onEnqueue: (listener) => store.onCommit(listener),
        idlePollMs: 200,
      },
    );
  }

  it('writes scores, alert events, frames and model events that read back through InfluxQL with the documented schema', async () => {
    const database = await freshDatabase();
    const config = sinkConfig(database);
    const store = await openStore(await tempPath(), config);
    onTeardown(() => store.close());
    const drainer = drainerFor(store, config);
    drainer.start();
    onTeardown(() => drainer.close({ timeoutMs: 1_000 }));

    const t0 = Date.UTC(2026, 0, 1, 12, 0, 0);
    const odd = 'hall 2,pump=7';
    const scores = [scoreAt('pump-7', t0, 0.25), scoreAt('pump-7', t0 + 1_000, 1.75), scoreAt(odd, t0, 0.5)];
    const opened = alertAt('pump-7', t0 + 1_000, 'opened', 'warning');
    const resolved = { ...alertAt('pump-7', t0 + 5_000, 'resolved', 'critical'), reason: 'recovered' };
    store.commit({
      ...batchOf({
        scores,
        alerts: [opened, resolved],
        frames: [frameAt('pump-7', t0, [20.5, Number.NaN]), frameAt('pump-7', t0 + 1_000, [21, 0.125])],
      }),
      modelEvents: [
        { atMs: t0 + 2_000, model: 'pumps', event: 'retrain_started' },
        {
          atMs: t0 + 3_000,
          model: 'pumps',
          event: 'promoted',
          version: 'v2',
          previousVersion: 'v1',
          reason: 'passed validation',
          details: { errorRatio: 0.8 },
        },
      ],
    });
    await waitFor(() => store.outbox.depth().rows === 0, { what: 'the outbox to drain into InfluxDB' });

    const reader = createInfluxqlReader({
      url: influxdb.url,
      token: new Secret(influxdb.token),
      database,
      timeoutMs: 5_000,
    });
    expect(await reader.queryScores({ assetId: 'pump-7', fromMs: t0, toMs: t0 + 60_000 })).toEqual(
      scores.slice(0, 2),
    );
    expect(await reader.queryScores({ assetId: odd, fromMs: t0, toMs: t0 + 1 })).toEqual([scores[2]]);
    expect(await reader.queryAlerts({ assetId: 'pump-7', newestFirst: true })).toEqual([resolved, opened]);
    const frames = await reader.queryFrames({ assetId: 'pump-7', fromMs: t0, toMs: t0 + 60_000 });
    expect(frames.map((f) => [f.atMs, f.state, f.channels])).toEqual([
      [t0, 'ok', ['temp', 'vib']],
      [t0 + 1_000, 'ok', ['temp', 'vib']],
    ]);
    expect(frames[0].values[0]).toBe(20.5);
    expect(Number.isNaN(frames[0].values[1])).toBe(true);
    expect(frames[1].values).toEqual([21, 0.125]);
    expect(await reader.listAssets()).toEqual([odd, 'pump-7'].sort());

    // The raw schema, as dashboards see it: tags and field types.
    expect(await query('SHOW TAG KEYS FROM gruwatch_score', 'GET', database)).toEqual([
      { name: 'gruwatch_score', columns: ['tagKey'], values: [['asset'], ['model_version'], ['state']] },
    ]);
    expect(await query('SHOW FIELD KEYS FROM gruwatch_alert', 'GET', database)).toEqual([
      {
        name: 'gruwatch_alert',
        columns: ['fieldKey', 'fieldType'],
        values: [
          ['alert_id', 'string'],
          ['model_version', 'string'],
          ['opened_at_ms', 'integer'],
          ['peak_ratio', 'float'],
          ['ratio', 'float'],
          ['reason', 'string'],
          ['top_channels', 'string'],
        ],
      },
    ]);
    expect(
      await query(
        'SELECT "event", "version", "previous_version", "reason", "details" FROM gruwatch_model_event WHERE "model" = \'pumps\'',
        'GET',
        database,
      ),
    ).toEqual([
      {
        name: 'gruwatch_model_event',
        columns: ['time', 'event', 'version', 'previous_version', 'reason', 'details'],
        values: [
          [t0 + 2_000, 'retrain_started', null, null, '', null],
          [t0 + 3_000, 'promoted', 'v2', 'v1', 'passed validation', '{"errorRatio":0.8}'],
        ],
      },
    ]);
  });

  it('moves a point InfluxDB refuses (field type conflict) to the dead letters and writes the rest', async () => {
    const database = await freshDatabase();
    const config = sinkConfig(database);
    const store = await openStore(await tempPath(), config);
    onTeardown(() => store.close());
    const t0 = Date.UTC(2026, 0, 3, 0, 0, 0);
    store.commit(batchOf({ scores: [scoreAt('pump-1', t0)] }));
    const drainer = drainerFor(store, config);
    expect((await drainer.drainOnce()).delivered).toBe(1);

    // `score` is a float field; a string `score` is refused by InfluxDB with HTTP 400.
    const conflicting = `gruwatch_score,asset=pump-1,model_version=m-1,state=ok score="high" ${t0 + 1_000}`;
    store.commit(batchOf({ scores: [scoreAt('pump-1', t0 + 2_000)] }));
    store.outbox.enqueue(sinkQueueName(config), [{ key: 'conflicting', payload: conflicting }], t0);
    store.commit(batchOf({ scores: [scoreAt('pump-1', t0 + 3_000)] }));
    const step = await drainer.drainOnce();
    expect(step).toMatchObject({ delivered: 2, deadLettered: 1, retried: 0 });
    const [dead] = store.listDeadLetters();
    expect(dead).toMatchObject({ key: 'conflicting', payload: conflicting });
    expect(dead.error).toContain('HTTP 400');

    const [series] = await query(
      `SELECT "score" FROM gruwatch_score WHERE "asset" = 'pump-1'`,
      'GET',
      database,
    );
    expect(series.values.map((v) => v[0])).toEqual([t0, t0 + 2_000, t0 + 3_000]);
  });

  it('holds points in the bounded outbox while InfluxDB is stopped, pushes back when full, and writes each once after a crash', async () => {
    const database = await freshDatabase();
    const config = sinkConfig(database);
    const path = await tempPath();
    const assetId = uniqueName('outage');
    const t0 = Date.UTC(2026, 0, 2, 0, 0, 0);
    const maxOutboxRows = 40;
    onTeardown(() => startServer('influxdb'));

    // Before the outage: the first points go straight through.
    const first = await openStore(path, config, maxOutboxRows);
    first.commit(batchOf({ scores: [0, 1, 2].map((i) => scoreAt(assetId, t0 + i * 1_000)) }));
    const doomed = drainerFor(first, config);
    expect((await doomed.drainOnce()).delivered).toBe(3);

    await stopServer('influxdb');
    let committed = 3;
    let refused: unknown;
    for (let i = 3; i < 100 && refused === undefined; i += 2) {
      try {
        first.commit(
          batchOf({ scores: [scoreAt(assetId, t0 + i * 1_000), scoreAt(assetId, t0 + (i + 1) * 1_000)] }),
        );
        committed += 2;
      } catch (err) {
        refused = err;
      }
      if (i === 11) {
        const step = await doomed.drainOnce();
        expect(step).toMatchObject({ delivered: 0, retried: 10 });
      }
    }
    expect(isPipelineError(refused, 'SINK_WRITE_FAILED') && refused.retriable).toBe(true);
    expect((refused as Error).message).toContain('outbox full');
    expect(first.outbox.depth().rows).toBe(maxOutboxRows);
    // Process death mid-outage: no drain, no flush; the handle just goes away.
    first.close();

    const second = await openStore(path, config, maxOutboxRows);
    onTeardown(() => second.close());
    expect(second.outbox.depth().rows).toBe(maxOutboxRows);
    const telemetry = new MemoryTelemetry();
    const drainer = drainerFor(second, config, telemetry);
    drainer.start();
    onTeardown(() => drainer.close({ timeoutMs: 1_000 }));
    await startServer('influxdb');
    await waitFor(() => second.outbox.depth().rows === 0, {
      what: 'the outbox to drain after the outage',
      timeoutMs: 30_000,
    });
    // Room again: commits are accepted.
    second.commit(batchOf({ scores: [scoreAt(assetId, t0 + 500_000)] }));
    committed += 1;
    await waitFor(() => second.outbox.depth().rows === 0, { what: 'the last point' });

    expect(telemetry.get('sink_records_delivered_total', { sink: sinkQueueName(config) })).toBe(
      maxOutboxRows + 1,
    );
    const [series] = await query(
      `SELECT COUNT("score") FROM gruwatch_score WHERE "asset" = '${assetId}'`,
      'GET',
      database,
    );
    expect(series.values[0][1]).toBe(committed);
    const times = await query(
      `SELECT "score" FROM gruwatch_score WHERE "asset" = '${assetId}'`,
      'GET',
      database,
    );
    const expectedTimes = [...Array.from({ length: committed - 1 }, (_, i) => t0 + i * 1_000), t0 + 500_000];
    expect(times[0].values.map((v) => v[0])).toEqual(expectedTimes);
  });
});
