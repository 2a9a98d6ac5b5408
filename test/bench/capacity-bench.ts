// Capacity benchmark: how many 8-channel assets one `gruwatch run` carries. The whole service runs
// as a child process of the built CLI against the real Mosquitto (JSON messages, one per asset and
// second with all 8 channels, QoS 1), with a trained model (T 64, hop 16), the local store at
// `synchronous: full` and the InfluxDB sink when that server is up.
//   1. Throughput: historic timestamps fed as fast as the service keeps up (the publisher stays at
//      most `--backlog` asset-seconds ahead of what the service committed): sustained readings/s
//      from the broker to the store (the reading journal is committed in the same transaction as
//      the scores), and so the assets one instance carries at 1 Hz. Once with one message per
//      asset and second, once with `--assets-per-message` assets per message (a gateway's batch).
//   2. Real time: `--assets` assets at 1 Hz (event time = publication time, spread over the second)
//      for `--seconds` s: latency from publication to the window's score being committed (seen in
//      the store), RSS per asset, and where the main thread's time goes per stage (a V8 CPU profile
//      of the service, written at its clean exit).
// Prints one JSON object. Options: --assets N (2000), --seconds S (120; the first window needs T s),
// --assets-per-message N (50: a gateway batching assets; the second throughput run and the real-time run), --throughput-assets N (200),
// --throughput-seconds S (20), --backlog N (5000), --profiles DIR (keeps each phase's CPU profile there),
// --mqtt-connections N (1: the service's `ingest.mqtt.connections`), --receive-maximum N (the service's
// `ingest.mqtt.receiveMaximum`; unset: its default, 100 with one connection and 1 with several).
import { type ChildProcess, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { fittingFor } from '../../bin/model-kinds.js';
import { detectorConfigSchema } from '../../detector/index.js';
import { fitModel } from '../../detector/retraining/index.js';
import { modelConfigSchema } from '../../model/index.js';
import { createModelRegistry } from '../../model/node/index.js';
import { gruwatchCli } from '../helpers/service-process.js';

const { values: opts } = parseArgs({
  options: {
    assets: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '120' },
    'throughput-assets': { type: 'string', default: '200' },
    'throughput-seconds': { type: 'string', default: '20' },
    backlog: { type: 'string', default: '5000' },
    'assets-per-message': { type: 'string', default: '50' },
    profiles: { type: 'string' },
    'mqtt-connections': { type: 'string', default: '1' },
    'receive-maximum': { type: 'string' },
  },
});
const mqttConnections = Number(opts['mqtt-connections']);
const receiveMaximum = opts['receive-maximum'] === undefined ? undefined : Number(opts['receive-maximum']);
const realtimeAssets = Number(opts.assets);
const realtimeSeconds = Number(opts.seconds);
const throughputAssets = Number(opts['throughput-assets']);
const throughputSeconds = Number(opts['throughput-seconds']);
const maxBacklog = Number(opts.backlog);
const batchPerMessage = Number(opts['assets-per-message']);

const brokerUrl = process.env.MOSQUITTO_URL ?? 'mqtt://127.0.0.1:18830';
const periodMs = 1000;
const T = 64;
const hop = 16;
const latenessMs = 2000;
const channels = ['flow', 'temp', 'pressure', 'vibration', 'current', 'speed', 'level', 'valve'];
const C = channels.length;
const runId = `${process.pid}-${Date.now().toString(36)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A plausible 8-channel signal: a shared load cycle, couplings between channels, noise. */
function sample(asset: number, tsMs: number, out: Float64Array): void {
  const t = tsMs / 1000;
  const load =
    Math.sin((2 * Math.PI * t) / 300 + asset) * 0.5 + Math.sin((2 * Math.PI * t) / 47 + 2 * asset) * 0.2;
  const noise = () => (Math.sin(t * 12.9898 + asset * 78.233) * 43758.5453) % 1;
  out[0] = 40 + 10 * load + 0.3 * noise();
  out[1] = 60 + 4 * load + 0.2 * noise();
  out[2] = 5 + 1.5 * load + 0.05 * noise();
  out[3] = 2 + 0.5 * load * load + 0.05 * noise();
  out[4] = 20 + 6 * load + 0.2 * noise();
  out[5] = 1450 + 30 * load + 2 * noise();
  out[6] = 3 + Math.sin((2 * Math.PI * t) / 600 + asset) + 0.02 * noise();
  out[7] = 50 + 20 * load + 0.5 * noise();
}

function reading(asset: number, tsMs: number, v: Float64Array): string {
  sample(asset, tsMs, v);
  let s = `{"asset":"a${asset}","ts":${tsMs},"values":{`;
  for (let c = 0; c < C; c++) s += `${c === 0 ? '' : ','}"${channels[c]}":${v[c]!.toFixed(4)}`;
  return `${s}}}`;
}

/** One message for assets [first, first + count): a reading object, or an array of them (a gateway's batch). */
function payload(first: number, count: number, tsMs: number, v: Float64Array): string {
  if (count === 1) return reading(first, tsMs, v);
  const parts: string[] = [];
  for (let a = first; a < first + count; a++) parts.push(reading(a, tsMs, v));
  return `[${parts.join(',')}]`;
}

async function trainModel(): Promise<Awaited<ReturnType<typeof fitModel>>['bytes']> {
  const rows = 4 * 3600;
  const segments = [0, 1, 2].map((asset) => {
    const frames = new Float32Array(rows * C);
    const v = new Float64Array(C);
    const startMs = Date.UTC(2025, 11, 1);
    for (let i = 0; i < rows; i++) {
      sample(asset, startMs + i * periodMs, v);
      frames.set(v, i * C);
    }
    return { frames, startMs };
  });
  const fitted = await fitModel({
    segments,
    channels,
    periodMs,
    ...fittingFor(
      modelConfigSchema.parse({
        windowSteps: T,
        hopSteps: hop,
        hiddenSize: 32,
        training: { epochs: 3, batchSize: 64, patience: 2, seed: 1 },
      }),
    ),
    detector: detectorConfigSchema.parse({ scoring: { hopSteps: hop } }),
    isInWorker: false,
    strideSteps: hop,
  });
  return fitted.bytes;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function servicesEnv(): Record<string, string> {
  const file = join(process.env.GRUWATCH_SERVICES_DIR ?? join(tmpdir(), 'gruwatch-services'), 'services.env');
  const env: Record<string, string> = {};
  if (!existsSync(file)) return env;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && !line.startsWith('#')) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

/** The InfluxDB sink's settings when the local server answers, else the reason it is left out. */
async function influxSink(): Promise<{ sink?: Record<string, unknown>; why?: string }> {
  const env = { ...servicesEnv(), ...process.env };
  const url = env.INFLUXDB_URL;
  if (url === undefined || env.INFLUXDB_TOKEN === undefined) return { why: 'no InfluxDB settings' };
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok && res.status !== 204) return { why: `InfluxDB ping answered ${res.status}` };
  } catch (err) {
    return { why: `InfluxDB not reachable at ${url}: ${(err as Error).message}` };
  }
  const database = `gw_capacity_${runId.replace(/-/g, '_')}`;
  const body = new URLSearchParams({ q: `CREATE DATABASE "${database}"` });
  await fetch(`${url}/query`, {
    method: 'POST',
    body,
    headers: { authorization: `Token ${env.INFLUXDB_TOKEN}` },
  });
  return {
    sink: { type: 'influxdb', url, token: env.INFLUXDB_TOKEN, bucket: `${database}/autogen`, database },
  };
}

async function dropInfluxDatabase(sink: Record<string, unknown> | undefined): Promise<void> {
  if (sink === undefined) return;
  const body = new URLSearchParams({ q: `DROP DATABASE "${String(sink.database)}"` });
  await fetch(`${String(sink.url)}/query`, {
    method: 'POST',
    body,
    headers: { authorization: `Token ${String(sink.token)}` },
  }).catch(() => undefined);
}

interface Service {
  child: ChildProcess;
  port: number;
  dataDir: string;
  profileDir: string;
  metric(name: string): Promise<number>;
  /** Every series of the metrics whose name starts with `prefix`, as `name{labels}` → value. */
  series(prefix: string): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

async function startService(
  dir: string,
  topicRoot: string,
  sink: Record<string, unknown> | undefined,
): Promise<Service> {
  const dataDir = join(dir, 'data');
  const profileDir = join(dir, 'profile');
  mkdirSync(profileDir, { recursive: true });
  const port = await freePort();
  const config = {
    dataDir,
    logging: { level: 'warn' },
    http: { host: '127.0.0.1', port },
    ingest: {
      mqtt: {
        url: brokerUrl,
        clientId: `gw-capacity-${runId}-${topicRoot}`,
        topics: [`${topicRoot}/{source}/telemetry`],
        qos: 1,
        connections: mqttConnections,
        ...(receiveMaximum === undefined ? {} : { receiveMaximum }),
      },
      decoder: { type: 'json' },
      assets: [{ match: '*', model: 'bench', channels }],
      align: { periodMs, fill: 'last', maxHoldMs: 5000, latenessMs, idleFlushMs: 10_000 },
      window: { T, hop },
      deadLetter: { type: 'none' },
    },
    model: { windowSteps: T, hopSteps: hop, hiddenSize: 32 },
    detector: { scoring: { hopSteps: hop } },
    store: { synchronous: 'full' },
    sinks: sink === undefined ? [] : [sink],
  };
  const configFile = join(dir, 'gruwatch.json');
  writeFileSync(configFile, JSON.stringify(config));
  const child = spawn(
    process.execPath,
    ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, gruwatchCli, 'run', '-c', configFile],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const metricText = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const service: Service = {
    child,
    port,
    dataDir,
    profileDir,
    async metric(name) {
      let sum = 0;
      for (const line of (await metricText()).split('\n'))
        if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{'))
          sum += Number(line.split(' ').at(-1));
      return sum;
    },
    async series(prefix) {
      const out: Record<string, number> = {};
      for (const line of (await metricText()).split('\n'))
        if (line.startsWith(prefix))
          out[line.slice(0, line.lastIndexOf(' '))] = Number(line.split(' ').at(-1));
      return out;
    },
    async stop() {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(30_000).then(() => child.kill('SIGKILL'))]);
      await exited;
    },
  };
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`gruwatch run exited during startup: ${stderr}`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (i > 300) {
      const why = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.text(),
        (err: unknown) => String(err),
      );
      child.kill('SIGKILL');
      throw new Error(`gruwatch run not ready after 60 s (/readyz: ${why}): ${stderr}`);
    }
    await sleep(200);
  }
  return service;
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? Number.NaN : Number(m[1]) * 1024;
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

// Stages by the source path of the deepest frame of a sample that belongs to one (V8 CPU profile).
const stageRules: Array<[RegExp, string]> = [
  [/\/dist\/ingest\/decode\//, 'decode'],
  [/\/dist\/ingest\/align\//, 'align'],
  [/\/dist\/model\//, 'score'],
  [/\/dist\/detector\/sinks\/(influxdb|webhook|outbox-drainer|line-protocol|delivery)/, 'sinks'],
  [/\/dist\/detector\/sinks\//, 'commit'],
  [/node_modules\/better-sqlite3\//, 'commit'],
  [/\/dist\/detector\//, 'detect'],
  [/\/dist\/ingest\/|node_modules\/(mqtt|mqtt-packet|bl|readable-stream)\//, 'transport'],
  [/node_modules\/(@influxdata)\//, 'sinks'],
  [/\/dist\/bin\/(pipeline|service)\./, 'pipeline'],
  [/\/dist\/bin\/|node_modules\/(fastify|prom-client|pino|@fastify)/, 'http_metrics_logs'],
];

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

function stageShares(profileDir: string): Record<string, number> | null {
  if (opts.profiles !== undefined)
    cpSync(profileDir, join(opts.profiles, basename(dirname(profileDir))), { recursive: true });
  const files = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) return null;
  const profile = JSON.parse(readFileSync(join(profileDir, files[0]!), 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const stageOf = new Map<number, string>();
  const classify = (id: number): string => {
    const cached = stageOf.get(id);
    if (cached !== undefined) return cached;
    const node = byId.get(id)!;
    const name = node.callFrame.functionName;
    let stage: string | undefined;
    if (name === '(idle)') stage = 'idle';
    else if (name === '(garbage collector)') stage = 'gc';
    else if (name === '(program)') stage = 'other';
    else {
      for (
        let cur: number | undefined = id;
        cur !== undefined && stage === undefined;
        cur = parent.get(cur)
      ) {
        const url = byId.get(cur)!.callFrame.url;
        if (url !== '') stage = stageRules.find(([re]) => re.test(url))?.[1];
      }
    }
    stage ??= 'other';
    stageOf.set(id, stage);
    return stage;
  };
  const time = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    const stage = classify(profile.samples[i]!);
    time.set(stage, (time.get(stage) ?? 0) + dt);
    total += dt;
  }
  const busy = total - (time.get('idle') ?? 0);
  const shares: Record<string, number> = {};
  for (const [stage, t] of [...time].sort((a, b) => b[1] - a[1]))
    if (stage !== 'idle') shares[stage] = Number((t / busy).toFixed(4));
  shares.busy_of_wall = Number((busy / total).toFixed(4));
  return shares;
}

function bottleneckOf(shares: Record<string, number> | null): string {
  if (shares === null) return 'unknown (no CPU profile)';
  const { busy_of_wall: _, ...stages } = shares;
  return Object.entries(stages).sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'unknown';
}

async function connectPublisher(id: string) {
  return mqtt.connectAsync(brokerUrl, { clientId: `gw-capacity-pub-${runId}-${id}`, clean: true });
}

/** Phase 1: historic timestamps, as fast as the service takes them. */
async function throughputPhase(dir: string, sink: Record<string, unknown> | undefined, perMessage: number) {
  const topicRoot = `capacity-${runId}-tp${perMessage}`;
  const service = await startService(dir, topicRoot, sink);
  const pub = await connectPublisher(`tp${perMessage}`);
  const v = new Float64Array(C);
  const startMs = Date.UTC(2026, 0, 1);
  // Readings committed so far, from the store's reading journal (one row per reading, written in
  // the delivery's transaction): read beside the service, not through its busy event loop.
  const dbPath = join(service.dataDir, 'gruwatch.db');
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  const committedQuery = db.prepare('SELECT coalesce(max(seq), 0) AS n FROM journal');
  const committed = () => (committedQuery.get() as { n: number }).n;
  let published = 0;
  let isStopped = false;
  const publisher = (async () => {
    let ts = startMs;
    let asset = 0;
    while (!isStopped) {
      const ahead = published - committed() / C;
      const sends: Promise<unknown>[] = [];
      for (let i = ahead; i < maxBacklog; i += perMessage) {
        const count = Math.min(perMessage, throughputAssets - asset);
        const topic = `${topicRoot}/g${asset}/telemetry`;
        sends.push(pub.publishAsync(topic, payload(asset, count, ts, v), { qos: 1 }));
        published += count;
        asset += count;
        if (asset === throughputAssets) {
          asset = 0;
          ts += periodMs;
        }
      }
      await Promise.all(sends);
      await sleep(100);
    }
  })();
  const snapshot = async () => ({
    atMs: Date.now(),
    readings: committed(),
    cpu: cpuSeconds(service.child.pid!),
  });
  // Warm-up first: the broker queue fills, the windows start, the JIT settles.
  await sleep(10_000);
  const mark = await snapshot();
  await sleep(throughputSeconds * 1000);
  const last = await snapshot();
  isStopped = true;
  await publisher;
  db.close();
  const scores = await service.metric('detector_windows_scored_total');
  const windows = await service.series('detector_windows_');
  const rss = rssBytes(service.child.pid!);
  await pub.endAsync();
  await service.stop();
  const seconds = (last.atMs - mark.atMs) / 1000;
  const readingsPerS = (last.readings - mark.readings) / seconds;
  const shares = stageShares(service.profileDir);
  return {
    assets: throughputAssets,
    assets_per_message: perMessage,
    measured_s: Number(seconds.toFixed(1)),
    readings_per_s: Math.round(readingsPerS),
    messages_per_s: Math.round(readingsPerS / C),
    assets_at_1hz: Math.floor(readingsPerS / C),
    windows_scored: scores,
    windows: windows,
    cpu_cores_used: Number(((last.cpu - mark.cpu) / seconds).toFixed(3)),
    rss_bytes: rss,
    main_thread_share_by_stage: shares,
    bottleneck: bottleneckOf(shares),
  };
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Phase 2: a fixed real-time load; latency from publication to the committed score. */
async function realtimePhase(dir: string, sink: Record<string, unknown> | undefined, perMessage: number) {
  const topicRoot = `capacity-${runId}-rt`;
  const service = await startService(dir, topicRoot, sink);
  const rssIdle = rssBytes(service.child.pid!);
  const pub = await connectPublisher('rt');
  const v = new Float64Array(C);
  // Publication time of each asset's message of each second (its cell index).
  const published = new Map<number, Float64Array>();
  const firstCell = Math.ceil(Date.now() / periodMs) + 1;
  const cells = realtimeSeconds + 5;
  for (let a = 0; a < realtimeAssets; a++) published.set(a, new Float64Array(cells).fill(Number.NaN));
  let lateSends = 0;
  const publisher = (async () => {
    for (let k = 0; k < realtimeSeconds; k++) {
      const cellMs = (firstCell + k) * periodMs;
      // Messages spread evenly over the second, each at its own offset, every second.
      for (let a = 0; a < realtimeAssets; a += perMessage) {
        const dueMs = cellMs + Math.floor((a * periodMs) / realtimeAssets);
        const wait = dueMs - Date.now();
        if (wait > 2) await sleep(wait);
        else if (wait < -200) lateSends++;
        const count = Math.min(perMessage, realtimeAssets - a);
        const atMs = Date.now();
        for (let i = a; i < a + count; i++) published.get(i)![k] = atMs;
        pub.publish(`${topicRoot}/g${a}/telemetry`, payload(a, count, dueMs, v), { qos: 1 });
      }
    }
  })();
  // Scores committed so far, polled from the store (WAL: a reader sees exactly what was committed).
  const latencies: number[] = [];
  const fromWindowEnd: number[] = [];
  const dbPath = join(service.dataDir, 'gruwatch.db');
  let db: Database.Database | undefined;
  const seen = new Set<string>();
  let cursorMs = firstCell * periodMs;
  let peakRss = rssIdle;
  let cpuMark: { atMs: number; cpu: number } | undefined;
  let cpuEnd = { atMs: 0, cpu: 0 };
  const endMs = (firstCell + realtimeSeconds) * periodMs + latenessMs + 15_000;
  while (Date.now() < endMs) {
    await sleep(50);
    const now = Date.now();
    if (db === undefined && existsSync(dbPath))
      db = new Database(dbPath, { readonly: true, fileMustExist: true });
    if (db === undefined) continue;
    const rows = db.prepare('SELECT asset_id, at_ms FROM scores WHERE at_ms >= ?').all(cursorMs) as {
      asset_id: string;
      at_ms: number;
    }[];
    for (const r of rows) {
      const key = `${r.asset_id}/${r.at_ms}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const a = Number(r.asset_id.slice(1));
      const k = r.at_ms / periodMs - firstCell;
      const times = published.get(a);
      if (times === undefined) continue;
      // The window's last cell is final once a reading lateness past its end arrives.
      const finalizer = times[k + 1 + Math.ceil(latenessMs / periodMs)];
      if (finalizer !== undefined && Number.isFinite(finalizer)) latencies.push(now - finalizer);
      const last = times[k];
      if (last !== undefined && Number.isFinite(last)) fromWindowEnd.push(now - last);
    }
    // Windows end on the same grid for every asset: move past those every asset has been scored for.
    const complete = (atMs: number) => {
      let n = 0;
      for (const key of seen) if (key.endsWith(`/${atMs}`)) n++;
      return n >= realtimeAssets;
    };
    while (cursorMs < now - 30_000 || (seen.size > 0 && complete(cursorMs))) cursorMs += periodMs;
    peakRss = Math.max(peakRss, rssBytes(service.child.pid!));
    const elapsedS = (now - firstCell * periodMs) / 1000;
    if (cpuMark === undefined && elapsedS > T + 5)
      cpuMark = { atMs: now, cpu: cpuSeconds(service.child.pid!) };
    if (elapsedS < realtimeSeconds) cpuEnd = { atMs: now, cpu: cpuSeconds(service.child.pid!) };
  }
  await publisher;
  db?.close();
  // Windows end on cells c with (c + 1) % hop = 0; one is due when all its T cells were published
  // and the cell that makes its last frame final too.
  let windowsPerAsset = 0;
  const lastCell = firstCell + realtimeSeconds - 1;
  for (let c = firstCell + T - 1; c + 1 + Math.ceil(latenessMs / periodMs) <= lastCell; c++)
    if ((c + 1) % hop === 0) windowsPerAsset++;
  const expected = realtimeAssets * windowsPerAsset;
  // A window due but not committed by the end counts as slower than any measured one.
  const missing = Math.max(0, expected - latencies.length);
  const withMissing = (sorted: number[]) => [
    ...sorted,
    ...new Array<number>(missing).fill(Number.POSITIVE_INFINITY),
  ];
  const finite = (x: number) => (Number.isFinite(x) ? x : null);
  await pub.endAsync();
  await service.stop();
  const shares = stageShares(service.profileDir);
  latencies.sort((a, b) => a - b);
  fromWindowEnd.sort((a, b) => a - b);
  const all = withMissing(latencies);
  return {
    assets: realtimeAssets,
    assets_per_message: perMessage,
    seconds: realtimeSeconds,
    readings_per_s: realtimeAssets * C,
    scores_committed: seen.size,
    scores_due: expected,
    kept_up: missing <= expected * 0.01,
    committed_p50_ms: quantile(latencies, 0.5),
    committed_p99_ms: quantile(latencies, 0.99),
    p50_ms: finite(quantile(all, 0.5)),
    p99_ms: finite(quantile(all, 0.99)),
    max_ms: finite(all.at(-1) ?? Number.NaN),
    latency_from: `publication of the reading that makes the window's last frame final (${latenessMs} ms lateness + one ${periodMs} ms period after it) to the score committed in the store (polled every 50 ms)`,
    from_window_last_sample_p50_ms: finite(quantile(withMissing(fromWindowEnd), 0.5)),
    from_window_last_sample_p99_ms: finite(quantile(withMissing(fromWindowEnd), 0.99)),
    late_publications: lateSends,
    rss_bytes: peakRss,
    rss_idle_bytes: rssIdle,
    rss_bytes_per_asset: Math.round((peakRss - rssIdle) / realtimeAssets),
    cpu_cores_used:
      cpuMark === undefined
        ? null
        : Number(((cpuEnd.cpu - cpuMark.cpu) / ((cpuEnd.atMs - cpuMark.atMs) / 1000)).toFixed(3)),
    main_thread_share_by_stage: shares,
    bottleneck: bottleneckOf(shares),
  };
}

async function main(): Promise<void> {
  if (!existsSync(gruwatchCli)) throw new Error(`${gruwatchCli} is missing: npm run build first`);
  const dir = mkdtempSync(join(tmpdir(), 'gruwatch-capacity-'));
  const { sink, why } = await influxSink();
  try {
    const tpDir = join(dir, 'throughput');
    const tbDir = join(dir, 'throughput-batched');
    const rtDir = join(dir, 'realtime');
    const bytes = await trainModel();
    for (const d of [tpDir, tbDir, rtDir]) {
      const registry = createModelRegistry(join(d, 'data', 'models'));
      await registry.promote('bench', await registry.add('bench', bytes));
    }
    const throughput = await throughputPhase(tpDir, sink, 1);
    const batched = await throughputPhase(tbDir, sink, batchPerMessage);
    const realtime = await realtimePhase(rtDir, sink, batchPerMessage);
    const result = {
      benchmark: 'gruwatch_capacity',
      node: process.version,
      setup: {
        broker: brokerUrl,
        message: 'JSON, one asset and second per message with its 8 channels, QoS 1',
        model: `T ${T}, hop ${hop}, H 32, latent-only decoder`,
        store:
          'local SQLite, synchronous: full, the deliveries that arrive together in one transaction before their acknowledgements',
        mqtt_connections: mqttConnections,
        mqtt_receive_maximum: receiveMaximum ?? 'default',
        influxdb_sink: sink === undefined ? `off: ${why}` : 'on',
        lateness_ms: latenessMs,
      },
      throughput,
      throughput_batched_messages: batched,
      realtime,
      bottleneck: throughput.bottleneck,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await dropInfluxDatabase(sink);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
