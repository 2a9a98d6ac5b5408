// Accelerated soak of the whole service on a simulated clock: `startService`
// (MQTT source, JSON decoding, alignment, a trained model scoring every window,
// the detector, the local store with retention, the InfluxDB sink through a proxy
// that plays an outage while the server stays up, and a webhook receiver down for
// hours). A plant publishes batched messages with event time running far ahead of
// the wall clock, 1 % of them from asset ids never seen before (so
// `ingest.maxAssets` and idle eviction work), and planted faults that open and
// resolve alerts; the plant and its embedded MQTT broker run in a child process
// (soak-generator.ts), so this process's memory is the service's. Prints one JSON
// object: per simulated day RSS, heap (and each V8 heap space's committed and used
// size), database and WAL size, tracked assets and metric series; rows per table;
// alert events generated against delivered; whether every bound held.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { getHeapSpaceStatistics } from 'node:v8';
import Database from 'better-sqlite3';
import { configSchema } from '../../bin/config.js';
import { fittingFor } from '../../bin/model-kinds.js';
import { startService } from '../../bin/service.js';
import { type Clock, createSilentLogger } from '../../core/index.js';
import { detectorConfigSchema } from '../../detector/index.js';
import { fitModel } from '../../detector/retraining/index.js';
import { modelConfigSchema } from '../../model/index.js';
import { createModelRegistry } from '../../model/node/index.js';
import { waitFor } from '../helpers/integration.js';
import { startSoakGenerator } from './soak-generator-process.js';
import { startSoakOutages } from './soak-outages.js';
import { createSoakPlant } from './soak-plant.js';
import { collectGarbage, maxDeviation, rowsPerTable, rssParts, soakOptions } from './soak-report.js';

const { values: args } = parseArgs({
  options: {
    assets: { type: 'string', default: '50' },
    channels: { type: 'string', default: '8' },
    // 10 s frames keep 5 simulated days of 50 assets within minutes here; the write rate per
    // asset is lower than a 1 Hz plant's, the path every reading takes is the same.
    'period-ms': { type: 'string', default: '10000' },
    days: { type: 'string', default: '5' },
    'retention-days': { type: 'string', default: '1' },
    'report-every-days': { type: 'string', default: '0.25' },
    'unknown-share': { type: 'string', default: '0.01' },
    'max-assets': { type: 'string', default: '75' },
    'evict-idle-after-hours': { type: 'string', default: '2' },
    ...soakOptions,
  },
});
const assets = Number(args.assets);
const C = Number(args.channels);
const periodMs = Number(args['period-ms']);
const days = Number(args.days);
const retentionDays = Number(args['retention-days']);
const reportEveryDays = Number(args['report-every-days']);
const unknownShare = Number(args['unknown-share']);
const dayMs = 86_400_000;
const T = 32;
const hop = 8;
// One message per tick with every asset's readings (a gateway's batch); this many ticks between
// checks that the service has caught up, so the simulated clock never runs far ahead of the data.
const ticksPerChunk = 30;

const start = Date.UTC(2026, 0, 1);
let simNowMs = start;
const clock: Clock = { nowMs: () => simNowMs, monotonicMs: () => performance.now() };

const outages = await startSoakOutages({
  script: 'bench:soak',
  startMs: start,
  days,
  args,
  nowMs: () => simNowMs,
});
const { received } = outages;

const { channels, valueAt } = createSoakPlant({ assets, channels: C, periodMs });

const dir = mkdtempSync(join(args.dir, 'gruwatch-service-soak-'));
const registryDir = join(dir, 'models');
const settings = {
  model: modelConfigSchema.parse({
    windowSteps: T,
    hopSteps: hop,
    hiddenSize: 8,
    training: { epochs: 4, batchSize: 64, learningRate: 0.01, patience: 2, seed: 5 },
  }),
  detector: detectorConfigSchema.parse({
    scoring: { hopSteps: hop },
    threshold: { type: 'quantile', q: 0.999 },
    alerts: {
      minAboveMs: 2 * hop * periodMs,
      clearBelowMs: 4 * hop * periodMs,
      flapping: { enabled: false },
    },
  }),
};
{
  // One day of normal operation of one asset trains the model every asset uses.
  const N = dayMs / periodMs;
  const frames = new Float32Array(N * C);
  for (let i = 0; i < N; i++)
    for (let c = 0; c < C; c++) frames[i * C + c] = valueAt(start - dayMs + i * periodMs, 0, c);
  const fitted = await fitModel({
    segments: [{ frames, startMs: start - dayMs }],
    channels,
    periodMs,
    ...fittingFor(settings.model),
    detector: settings.detector,
    isInWorker: false,
  });
  const registry = createModelRegistry(registryDir);
  await registry.promote('pumps', await registry.add('pumps', fitted.bytes));
}

const generator = await startSoakGenerator({
  assets,
  channels: C,
  periodMs,
  unknownShare,
  topic: 'plants/soak/gateway',
});
const config = configSchema.parse({
  dataDir: join(dir, 'data'),
  instance: 'soak',
  http: { port: 0 },
  ingest: {
    mqtt: {
      url: generator.brokerUrl,
      protocolVersion: 4,
      clientId: 'gruwatch-soak',
      isSessionPersistent: false,
      topics: ['plants/soak/{gateway}'],
    },
    decoder: { type: 'json' },
    align: { periodMs, fill: 'last', maxHoldMs: 0, latenessMs: 2 * periodMs, idleFlushMs: 6 * periodMs },
    assets: [{ match: '*', model: 'pumps', channels }],
    window: { T, hop },
    maxAssets: Number(args['max-assets']),
    evictIdleAssetsAfterMs: Number(args['evict-idle-after-hours']) * 3_600_000,
  },
  model: { ...settings.model, registryDir },
  detector: settings.detector,
  store: {
    synchronous: 'normal',
    retention: {
      framesMaxAgeDays: retentionDays,
      scoresMaxAgeDays: retentionDays,
      alertsMaxAgeDays: retentionDays,
      deadLettersMaxAgeDays: retentionDays,
      assetStateMaxAgeDays: retentionDays,
      modelEventsMaxAgeDays: retentionDays,
    },
  },
  sinks: [
    {
      type: 'influxdb',
      url: outages.influxdbUrl,
      token: { env: 'INFLUXDB_TOKEN' },
      bucket: process.env.INFLUXDB_BUCKET ?? 'gruwatch/autogen',
      database: process.env.INFLUXDB_DATABASE ?? 'gruwatch',
      measurements: { frames: false },
    },
    {
      type: 'webhook',
      name: 'soak',
      url: outages.receiverUrl,
      signingKey: 'soak-signing-key',
      retry: { maxDelayMs: 60_000 },
    },
  ],
});
const service = await startService(config, { logger: createSilentLogger(), clock });
const storePath = join(dir, 'data', 'gruwatch.db');
// The service connects its source in the background; a message published before it subscribed
// would reach nobody.
await waitFor(async () => (await fetch(`${service.url}/readyz`)).ok, {
  what: 'the service to be ready',
  timeoutMs: 30_000,
  intervalMs: 50,
});

const sumOf = async (name: string, label?: string): Promise<number> => {
  const metric = service.metrics.registry.getSingleMetric(name);
  if (metric === undefined) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => label === undefined || Object.entries(v.labels).some(([k, x]) => `${k}=${x}` === label))
    .reduce((s, v) => s + v.value, 0);
};
const seriesCount = async () =>
  (await service.metrics.registry.metrics()).split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;

let published = { messages: 0, readings: 0, unknownIds: 0, rssBytes: 0 };
const wallStart = performance.now();
const report: {
  day: number;
  rss_bytes: number;
  /** RSS at the end of the full collection, before V8's background thread unmapped the freed pages. */
  rss_right_after_collection_bytes: number;
  /** RSS by kind of mapping (Linux). */
  rss_anon_bytes: number;
  rss_file_bytes: number;
  rss_shmem_bytes: number;
  heap_bytes: number;
  /** Memory of Buffers and typed arrays outside the JavaScript heap (sockets, the model's arrays). */
  external_bytes: number;
  /** What V8 holds for its heap (used or not), and of it what its spaces do not use. */
  heap_committed_bytes: number;
  heap_unused_committed_bytes: number;
  /** Per V8 heap space (new_space, old_space, large_object_space, code_space, …): what it holds
   *  committed and what of it is in use, to tell which space a swing of the committed heap is in. */
  heap_spaces: Record<string, { committed_bytes: number; used_bytes: number }>;
  /** The load generator's process (broker and plant), for comparison. */
  generator_rss_bytes: number;
  db_bytes: number;
  wal_bytes: number;
  tracked_assets: number;
  metric_series: number;
}[] = [];
let nextReportMs = start + reportEveryDays * dayMs;
const endMs = start + days * dayMs;
for (let tickMs = start; tickMs < endMs; ) {
  const chunkEnd = Math.min(endMs, tickMs + ticksPerChunk * periodMs);
  simNowMs = chunkEnd;
  published = await generator.publish(tickMs, chunkEnd);
  tickMs += Math.ceil((chunkEnd - tickMs) / periodMs) * periodMs;
  // Wait until the service has taken every message (committed before its acknowledgement).
  for (let i = 0; (await sumOf('ingest_messages_total')) < published.messages; i++) {
    if (i > 6_000) throw new Error('the service stopped taking messages');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (simNowMs >= nextReportMs) {
    // With --expose-gc (as `npm run bench:soak` runs it), memory is sampled after a full collection
    // and once V8 has handed the pages it freed back to the system, so the figures show what is
    // retained, not where the collector happened to be.
    const rssRightAfterCollection = await collectGarbage();
    const memory = process.memoryUsage();
    const space = service.store.space();
    const heapSpaces = getHeapSpaceStatistics();
    report.push({
      day: Math.round(((simNowMs - start) / dayMs) * 1_000) / 1_000,
      rss_bytes: memory.rss,
      rss_right_after_collection_bytes: rssRightAfterCollection,
      ...rssParts(),
      heap_bytes: memory.heapUsed,
      external_bytes: memory.external,
      heap_committed_bytes: memory.heapTotal,
      heap_unused_committed_bytes: heapSpaces.reduce((s, x) => s + x.space_size - x.space_used_size, 0),
      heap_spaces: Object.fromEntries(
        heapSpaces.map((x) => [
          x.space_name,
          { committed_bytes: x.space_size, used_bytes: x.space_used_size },
        ]),
      ),
      generator_rss_bytes: published.rssBytes,
      db_bytes: space.dbBytes,
      wal_bytes: space.walBytes,
      tracked_assets: await sumOf('detector_assets'),
      metric_series: await seriesCount(),
    });
    nextReportMs += reportEveryDays * dayMs;
  }
}
// After the last outage, give the queues simulated time to empty.
for (let i = 0; i < 600 && service.store.outbox.depth().rows > 0; i++) {
  simNowMs += 60_000;
  await new Promise((resolve) => setTimeout(resolve, 50));
}
const wallS = (performance.now() - wallStart) / 1000;
const eventsGenerated = await sumOf('detector_alert_events_total');
const facts = {
  readings_decoded: await sumOf('ingest_readings_total'),
  readings_dropped_late: await sumOf('ingest_readings_dropped_total', 'reason=late'),
  readings_refused_asset_limit: await sumOf('ingest_readings_dropped_total', 'reason=asset_limit'),
  windows_scored: await sumOf('detector_windows_scored_total'),
  outbox_rows_left: service.store.outbox.depth().rows,
};
await service.stop();
await generator.stop();

const reader = new Database(storePath, { readonly: true });
const rows = rowsPerTable(reader);
reader.close();

// Flat: from the second report after retention applies, within ±10 % of the mean; counts never
// above their bound.
const steadyFromDay = retentionDays + 2 * reportEveryDays;
type Sample = (typeof report)[number];
type Figure = { [K in keyof Sample]: Sample[K] extends number ? K : never }[keyof Sample];
const spread = (key: Figure) => maxDeviation(report, key, steadyFromDay);
const maxOf = (key: Figure) => Math.max(...report.map((d) => d[key]));
const maxAssets = Number(args['max-assets']);
const bounds = {
  db_max_deviation: spread('db_bytes'),
  rss_max_deviation: spread('rss_bytes'),
  wal_max_bytes: maxOf('wal_bytes'),
  wal_bound_bytes: config.store.walMaxBytes,
  tracked_assets_max: maxOf('tracked_assets'),
  tracked_assets_bound: maxAssets,
  metric_series_steady_max_deviation: spread('metric_series'),
};
const holds =
  bounds.db_max_deviation !== null &&
  bounds.db_max_deviation <= 0.1 &&
  bounds.rss_max_deviation !== null &&
  bounds.rss_max_deviation <= 0.1 &&
  bounds.wal_max_bytes <= bounds.wal_bound_bytes &&
  bounds.tracked_assets_max <= maxAssets &&
  (bounds.metric_series_steady_max_deviation ?? 1) <= 0.1 &&
  received.size === eventsGenerated &&
  facts.readings_dropped_late === 0;

process.stdout.write(
  `${JSON.stringify({
    scope:
      'whole service (startService): MQTT source on an embedded broker, JSON decoding, alignment, model scoring, detector, local store, InfluxDB and webhook sinks, on a simulated clock',
    generator: 'child process',
    assets,
    channels: C,
    period_ms: periodMs,
    simulated_days: days,
    retention_days: retentionDays,
    messages_published: published.messages,
    readings_published: published.readings,
    unknown_asset_ids: published.unknownIds,
    ...facts,
    memory_sampled_after_gc: typeof (globalThis as { gc?: unknown }).gc === 'function',
    days: report,
    rows_at_end: rows,
    events: { generated: eventsGenerated, delivered: received.size },
    outages: outages.hours,
    bounds: { ...bounds, every_bound_holds: holds },
    wall_s: Math.round(wallS),
  })}\n`,
);
outages.close();
rmSync(dir, { recursive: true, force: true });
