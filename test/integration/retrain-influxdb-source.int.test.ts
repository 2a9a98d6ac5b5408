// Retraining from InfluxDB while its sink is behind the local store: the
// lookback ends at the newest frame InfluxDB returned, so the data range a
// candidate claims is the data it read. A later scheduled run that finds
// nothing newer in InfluxDB says the sink is behind instead of training on the
// same data again, and trains once the rest has arrived.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { configSchema } from '../../bin/config.js';
import { retrainJobDepsFor } from '../../bin/model-kinds.js';
import { createSilentLogger, systemClock } from '../../core/index.js';
import { matchesAssetPattern } from '../../detector/index.js';
import {
  type RetrainJobInput,
  retrainingSettingsFor,
  runRetrainJob,
} from '../../detector/retraining/index.js';
import {
  createInfluxdbRoute,
  createInfluxdbSink,
  createLocalStore,
  createOutboxDrainer,
  influxdbSinkConfigSchema,
  storeConfigSchema,
} from '../../detector/sinks/index.js';
import { createModelRegistry } from '../../model/node/index.js';
import { plantFrames, retrainConfigInput, retrainPlant } from '../fixtures/retrain-plant.js';
import { scratchDatabase } from '../helpers/influxql.js';
import { describeWithServer, onTeardown, waitFor } from '../helpers/integration.js';

const { channels, periodMs, startMs } = retrainPlant;
const rows = 3_000;
// InfluxDB gets the first rows only, as while its sink catches up.
const rowsInInflux = 2_000;

describeWithServer('influxdb', 'retraining from InfluxDB', (influxdb) => {
  it('ends the lookback at the newest frame InfluxDB holds while its sink is behind the local store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gruwatch-retrain-influx-'));
    onTeardown(() => rmSync(dir, { recursive: true, force: true }));
    const scratch = await scratchDatabase(influxdb, 'gw_retrain_src');
    const { database } = scratch;
    const sinkSettings = { ...scratch.sinkSettings, retry: { initialDelayMs: 100, maxDelayMs: 500 } };
    const sink = influxdbSinkConfigSchema.parse(sinkSettings);
    const frames = plantFrames('pump-1', 0, rows);
    const deps = { clock: systemClock, logger: createSilentLogger() };

    // The service's store holds every frame; a second store feeds InfluxDB through the real sink.
    const storePath = join(dir, 'gruwatch.db');
    const local = createLocalStore({ ...storeConfigSchema.parse({}), path: storePath }, deps);
    local.commit({ scores: [], alerts: [], frames });
    local.close();
    const feeder = createLocalStore(
      { ...storeConfigSchema.parse({}), path: join(dir, 'feeder.db') },
      { ...deps, routes: [createInfluxdbRoute(sink)] },
    );
    onTeardown(() => feeder.close());
    const drainer = createOutboxDrainer(createInfluxdbSink(sink, deps), feeder.outbox, sink.retry, {
      ...deps,
      onEnqueue: (listener) => feeder.onCommit(listener),
      idlePollMs: 100,
    });
    drainer.start();
    onTeardown(() => drainer.close({ timeoutMs: 1_000 }));
    const feed = async (from: number, to: number) => {
      feeder.commit({ scores: [], alerts: [], frames: frames.slice(from, to) });
      await waitFor(() => feeder.outbox.depth().rows === 0 || undefined, { what: 'frames in InfluxDB' });
    };
    await feed(0, rowsInInflux);

    const config = configSchema.parse(
      retrainConfigInput({
        model: { training: { epochs: 4, batchSize: 32, learningRate: 0.01, patience: 2, seed: 2 } },
        sinks: [sinkSettings],
        retraining: { source: 'influxdb', lookbackMs: rows * periodMs },
      }),
    );
    const input = (trainedThroughMs: number | null): RetrainJobInput => ({
      model: 'pumps',
      channels: [...channels],
      groups: [{ match: 'pump-*', model: 'pumps' }],
      periodMs,
      window: { lengthSteps: config.model.windowSteps, hopSteps: config.model.hopSteps },
      detector: config.detector,
      settings: retrainingSettingsFor(config.retraining, 'pumps'),
      currentVersion: null,
      storePath,
      source: { type: 'influxdb', url: influxdb.url, token: influxdb.token, database, timeoutMs: 10_000 },
      labels: [],
      silences: [],
      maintenance: [],
      trainedThroughMs,
    });
    const run = (trainedThroughMs: number | null) =>
      runRetrainJob(input(trainedThroughMs), {
        nowMs: () => Date.now(),
        matches: matchesAssetPattern,
        ...retrainJobDepsFor(config.model, createModelRegistry(join(dir, 'models'))),
      });

    const inInfluxThroughMs = startMs + rowsInInflux * periodMs;
    const first = await run(null);
    expect(first.outcome, first.outcome === 'skipped' ? first.reason : '').toBe('candidate');
    expect(first.selection.dataRange).toEqual({ fromMs: startMs, toMs: inInfluxThroughMs });
    expect(first.selection.rows).toBe(rowsInInflux);

    // The local store has 1,000 newer frames; InfluxDB none: nothing to train on yet.
    const behind = await run(first.selection.dataRange!.toMs);
    expect(behind.outcome).toBe('skipped');
    expect(behind.outcome === 'skipped' && behind.reason).toMatch(
      /^no new data in InfluxDB since the last retrain: it holds frames through 2026-01-05T00:33:19\.000Z, the local store through 2026-01-05T00:49:59\.000Z/,
    );

    await feed(rowsInInflux, rows);
    const caughtUp = await run(first.selection.dataRange!.toMs);
    expect(caughtUp.outcome, caughtUp.outcome === 'skipped' ? caughtUp.reason : '').toBe('candidate');
    expect(caughtUp.selection.dataRange?.toMs).toBe(startMs + rows * periodMs);
  }, 120_000);
});
