// `node dist/detector/sinks/bench/store-bench.js` prints one JSON object: latency of
// `LocalStore.commit` (p50/p99 ms, batches/s, records/s) for `synchronous` full and normal,
// with an InfluxDB route and one webhook route enabled, and the drain rate (rows/s) of the
// outbox through a sink that accepts everything. Options: --batches N (default 2000).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSilentLogger, systemClock } from '../../../core/index.js';
import { influxdbSinkConfigSchema, storeConfigSchema, webhookSinkConfigSchema } from '../config.js';
import { createInfluxdbRoute } from '../influxdb-sink.js';
import { createLocalStore } from '../local-store.js';
import { createOutboxDrainer } from '../outbox-drainer.js';
import type { RecordBatch } from '../records.js';
import { retryPolicySchema } from '../retry-policy.js';
import type { Sink } from '../sink.js';
import { createWebhookRoute } from '../webhook-sink.js';

const channels = ['temp', 'pressure', 'vibration_x', 'vibration_y', 'current', 'speed', 'flow', 'level'];

function batchAt(i: number): RecordBatch {
  const scores: RecordBatch['scores'] = [];
  const frames: RecordBatch['frames'] = [];
  for (let a = 0; a < 10; a++) {
    const assetId = `asset-${a}`;
    const atMs = 1_767_225_600_000 + i * 1_000;
    scores.push({
      assetId,
      atMs,
      score: 0.1 + (i % 7) / 10,
      threshold: 1,
      ratio: 0.1 + (i % 7) / 10,
      modelVersion: 'bench',
      state: 'ok',
      channels,
      contributions: channels.map(() => 1 / channels.length),
      topChannels: channels.slice(0, 3),
    });
    frames.push({ assetId, atMs, channels, values: channels.map((_, c) => c + i / 100), state: 'ok' });
  }
  const alerts: RecordBatch['alerts'] =
    i % 50 === 0
      ? [
          {
            id: `asset-0-${i}`,
            assetId: 'asset-0',
            type: 'opened',
            severity: 'warning',
            ratio: 1.2,
            peakRatio: 1.2,
            topChannels: ['temp'],
            atMs: 1_767_225_600_000 + i * 1_000,
            openedAtMs: 1_767_225_600_000 + i * 1_000,
            modelVersion: 'bench',
          },
        ]
      : [];
  return { scores, alerts, frames };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function run(synchronous: 'full' | 'normal', batches: number) {
  const dir = mkdtempSync(join(tmpdir(), 'gruwatch-store-bench-'));
  try {
    const influx = influxdbSinkConfigSchema.parse({
      type: 'influxdb',
      url: 'http://127.0.0.1:9',
      token: 'x',
      bucket: 'b',
      database: 'd',
    });
    const hook = webhookSinkConfigSchema.parse({
      type: 'webhook',
      name: 'ops',
      url: 'http://127.0.0.1:9/',
      signingKey: 'k',
    });
    const store = createLocalStore(
      { ...storeConfigSchema.parse({ synchronous }), path: join(dir, 'bench.db') },
      {
        clock: systemClock,
        logger: createSilentLogger(),
        routes: [createInfluxdbRoute(influx), createWebhookRoute(hook, { source: 'gruwatch/bench' })],
      },
    );
    const latenciesMs: number[] = [];
    let records = 0;
    const t0 = performance.now();
    for (let i = 0; i < batches; i++) {
      const batch = batchAt(i);
      records += batch.scores.length + batch.frames.length + batch.alerts.length;
      const start = performance.now();
      store.commit(batch);
      latenciesMs.push(performance.now() - start);
    }
    const commitS = (performance.now() - t0) / 1000;
    const queued = store.outbox.depth().rows;
    const sink: Sink = {
      name: 'influxdb:influxdb',
      maxBatchRows: influx.maxBatchRows,
      maxBatchBytes: influx.maxBatchBytes,
      connect: async () => undefined,
      write: async () => undefined,
      close: async () => undefined,
    };
    const drainer = createOutboxDrainer(sink, store.outbox, retryPolicySchema.parse({}), {
      clock: systemClock,
      logger: createSilentLogger(),
    });
    const d0 = performance.now();
    let drained = 0;
    for (;;) {
      const step = await drainer.drainOnce();
      if (step.delivered === 0) break;
      drained += step.delivered;
    }
    const drainS = (performance.now() - d0) / 1000;
    store.close();
    latenciesMs.sort((a, b) => a - b);
    return {
      synchronous,
      batches,
      recordsPerBatch: records / batches,
      commitP50Ms: Number(quantile(latenciesMs, 0.5).toFixed(3)),
      commitP99Ms: Number(quantile(latenciesMs, 0.99).toFixed(3)),
      batchesPerS: Math.round(batches / commitS),
      recordsPerS: Math.round(records / commitS),
      outboxRowsQueued: queued,
      influxRowsDrained: drained,
      drainRowsPerS: Math.round(drained / drainS),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const batchesArg = process.argv.indexOf('--batches');
const batches = batchesArg === -1 ? 2000 : Number(process.argv[batchesArg + 1]);
const results = [await run('full', batches), await run('normal', batches)];
process.stdout.write(
  `${JSON.stringify({ bench: 'detector.sinks.store', node: process.version, results }, null, 2)}\n`,
);
