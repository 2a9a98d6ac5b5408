// Accelerated soak of the durable path: days of 1 Hz frames and scores of a
// plant committed to the local store on a simulated clock, delivered to a real
// InfluxDB (through a proxy that plays an outage while the server stays up) and
// to an in-process webhook receiver (down for hours). Prints one JSON object:
// RSS, heap and database size at each simulated day, rows per table, events
// generated against delivered, wall time.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { type Clock, createSilentLogger } from '../../core/index.js';
import {
  type AlertEventRecord,
  createLocalStore,
  createSinkDrainers,
  createSinkRoutes,
  type FrameRecord,
  type ScoreRecord,
  sinksConfigSchema,
  storeConfigSchema,
} from '../../detector/sinks/index.js';
import { startSoakOutages } from './soak-outages.js';
import { maxDeviation, rowsPerTable, soakOptions } from './soak-report.js';

const { values: args } = parseArgs({
  options: {
    assets: { type: 'string', default: '100' },
    channels: { type: 'string', default: '8' },
    'period-ms': { type: 'string', default: '1000' },
    // Smaller than the plant's month so that it runs in minutes here: 12 simulated hours with a
    // retention of 2.4 h keep the write rate (100 frames/s, above the 83 rows/s a fixed
    // 5,000-rows-a-minute pruner deletes), room for both outages, and the shape (fill, then flat).
    days: { type: 'string', default: '0.5' },
    'retention-days': { type: 'string', default: '0.1' },
    'report-every-days': { type: 'string', default: '0.05' },
    ...soakOptions,
  },
});
const assets = Number(args.assets);
const C = Number(args.channels);
const periodMs = Number(args['period-ms']);
const days = Number(args.days);
const retentionDays = Number(args['retention-days']);
const reportEveryDays = Number(args['report-every-days']);
const dayMs = 86_400_000;
// One commit per window hop (16 frames) with every asset's frames and one score each.
const stepMs = 16 * periodMs;

const start = Date.UTC(2026, 0, 1);
let simNowMs = start;
const clock: Clock = { nowMs: () => simNowMs, monotonicMs: () => performance.now() };

const outages = await startSoakOutages({
  script: 'bench:soak-store',
  startMs: start,
  days,
  args,
  nowMs: () => simNowMs,
});
const { received } = outages;

const dir = mkdtempSync(join(args.dir, 'gruwatch-soak-'));
const path = join(dir, 'gruwatch.db');
const sinks = sinksConfigSchema.parse([
  {
    type: 'influxdb',
    url: outages.influxdbUrl,
    token: { env: 'INFLUXDB_TOKEN' },
    bucket: process.env.INFLUXDB_BUCKET ?? 'gruwatch/autogen',
    database: process.env.INFLUXDB_DATABASE ?? 'gruwatch',
    // Frames stay in the local store: a shared InfluxDB is not loaded with a plant's raw data.
    measurements: { frames: false },
    retry: { maxDelayMs: 60_000 },
  },
  {
    type: 'webhook',
    name: 'soak',
    url: outages.receiverUrl,
    signingKey: 'soak-signing-key',
    // Retries until delivered (no attempt limit), so a receiver down for hours loses nothing.
    retry: { maxDelayMs: 60_000 },
  },
]);
const storeConfig = storeConfigSchema.parse({
  path,
  synchronous: 'normal',
  retention: {
    framesMaxAgeDays: retentionDays,
    scoresMaxAgeDays: retentionDays,
    alertsMaxAgeDays: retentionDays,
  },
});
const logger = createSilentLogger();
const store = createLocalStore(
  { ...storeConfig, path },
  { clock, logger, routes: createSinkRoutes(sinks, { source: 'gruwatch/soak' }) },
);
const drainers = createSinkDrainers(sinks, store, { clock, logger, version: 'soak', random: () => 0.5 });

const channels = Array.from({ length: C }, (_, c) => `ch${c}`);
const assetIds = Array.from({ length: assets }, (_, a) => `pump-${a}`);
let generatedEvents = 0;
let frameRows = 0;
let alertSeq = 0;
const openAlerts = new Map<string, string>();

const drainAll = async (): Promise<void> => {
  for (const drainer of drainers) {
    for (let i = 0; i < 1_000; i++) {
      const step = await drainer.drainOnce();
      if (step.delivered === 0) break;
    }
  }
};

const wallStart = performance.now();
const report: { day: number; rss_bytes: number; heap_bytes: number; db_bytes: number; wal_bytes: number }[] =
  [];
let nextReportMs = start + reportEveryDays * dayMs;
const endMs = start + days * dayMs;
while (simNowMs < endMs) {
  const frames: FrameRecord[] = [];
  const scores: ScoreRecord[] = [];
  const alerts: AlertEventRecord[] = [];
  for (let k = 0; k < stepMs / periodMs; k++) {
    const atMs = simNowMs + k * periodMs;
    for (const assetId of assetIds) {
      const values = channels.map((_, c) => Math.sin(atMs / 60_000 + c) * 10 + c);
      frames.push({ assetId, atMs, channels, values, state: 'ok' });
    }
  }
  for (const assetId of assetIds) {
    const atMs = simNowMs + stepMs - periodMs;
    const score = 0.5 + 0.1 * Math.sin(atMs / 3_600_000);
    scores.push({
      assetId,
      atMs,
      score,
      threshold: 1,
      ratio: score,
      modelVersion: 'soak',
      state: 'ok',
      channels,
      contributions: channels.map(() => 1 / C),
      topChannels: [channels[0]!],
    });
  }
  // An alert opens on one asset every 10 simulated minutes and resolves 10 minutes later.
  if (simNowMs % 600_000 < stepMs) {
    const assetId = assetIds[alertSeq % assets]!;
    const open = openAlerts.get(assetId);
    const base = { assetId, severity: 'warning' as const, ratio: 1.5, peakRatio: 1.6, topChannels: ['ch0'] };
    if (open === undefined) {
      const id = `${assetId}-${simNowMs}`;
      openAlerts.set(assetId, id);
      alerts.push({
        ...base,
        id,
        type: 'opened',
        atMs: simNowMs,
        openedAtMs: simNowMs,
        modelVersion: 'soak',
      });
    }
    for (const [other, id] of openAlerts) {
      if (other === assetId) continue;
      alerts.push({
        ...base,
        assetId: other,
        id,
        type: 'resolved',
        atMs: simNowMs,
        openedAtMs: 0,
        modelVersion: 'soak',
      });
      openAlerts.delete(other);
    }
    alertSeq++;
  }
  store.commit({ frames, scores, alerts });
  generatedEvents += alerts.length;
  frameRows += frames.length;
  simNowMs += stepMs;
  await drainAll();
  if (simNowMs >= nextReportMs) {
    const day = Math.round(((simNowMs - start) / dayMs) * 1_000) / 1_000;
    const memory = process.memoryUsage();
    report.push({
      day,
      rss_bytes: memory.rss,
      heap_bytes: memory.heapUsed,
      db_bytes: statSync(path).size,
      wal_bytes: store.space().walBytes,
    });
    nextReportMs += reportEveryDays * dayMs;
  }
}
// After the last outage, give the queues simulated time to empty.
for (let i = 0; i < 120 && store.outbox.depth().rows > 0; i++) {
  simNowMs += 60_000;
  await drainAll();
}
const wallS = (performance.now() - wallStart) / 1000;

const reader = new Database(path, { readonly: true });
const rows = rowsPerTable(reader);
// Bytes per row of each table with its indexes (dbstat), for the disk formula in the README.
const bytesPerRow: Record<string, number> = {};
const tableOf = reader.prepare('SELECT tbl_name FROM sqlite_master WHERE name = ?').pluck();
const pageBytes: Record<string, number> = {};
for (const { name, bytes } of reader
  .prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name')
  .all() as {
  name: string;
  bytes: number;
}[]) {
  const table = (tableOf.get(name) as string | undefined) ?? name;
  pageBytes[table] = (pageBytes[table] ?? 0) + bytes;
}
for (const table of ['frames', 'scores', 'alerts']) {
  if ((rows[table] ?? 0) > 0) bytesPerRow[table] = Math.round((pageBytes[table] ?? 0) / rows[table]!);
}
reader.close();

// Flat: from the second day after retention applies, within ±10 % of the mean.
const steadyFromDay = retentionDays + 2 * reportEveryDays;
const steady = report.filter((d) => d.day >= steadyFromDay);
const spread = (key: 'rss_bytes' | 'db_bytes') => maxDeviation(report, key, steadyFromDay);
const dbSpread = spread('db_bytes');
const rssSpread = spread('rss_bytes');
const dbAtSteady = steady.length > 0 ? steady.reduce((s, d) => s + d.db_bytes, 0) / steady.length : null;
const retainedFrames = ((retentionDays * dayMs) / periodMs) * assets;

process.stdout.write(
  `${JSON.stringify({
    scope:
      'local store + outbox + InfluxDB and webhook sinks on a simulated clock; frames and scores are generated, not decoded and scored',
    assets,
    channels: C,
    period_ms: periodMs,
    simulated_days: days,
    retention_days: retentionDays,
    frame_rows_written: frameRows,
    frame_rows_per_s_simulated: (assets * 1000) / periodMs,
    days: report,
    rows_at_end: rows,
    events: { generated: generatedEvents, delivered: received.size },
    outages: outages.hours,
    db_dir: args.dir,
    flat: {
      from_day: retentionDays + 2 * reportEveryDays,
      db_max_deviation: dbSpread,
      rss_max_deviation: rssSpread,
      is_flat: dbSpread !== null && rssSpread !== null && dbSpread <= 0.1 && rssSpread <= 0.1,
    },
    bytes_per_row: bytesPerRow,
    bytes_per_retained_frame: dbAtSteady === null ? null : dbAtSteady / retainedFrames,
    wall_s: Math.round(wallS),
  })}\n`,
);

await Promise.all(drainers.map((d) => d.close({ timeoutMs: 1_000 })));
store.close();
outages.close();
rmSync(dir, { recursive: true, force: true });
