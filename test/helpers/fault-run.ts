// One case of the fault matrix: a third-party publisher (`mosquitto_pub`, QoS 1,
// persistent session; or `kcat` with acks=all) sends a sequence number per
// asset and period to the broker, `gruwatch run` (a child process of the built
// CLI) consumes it (persistent MQTT session; Kafka consumer group), and the
// test stalls, kills or restarts things in between.
// What counts is read from gruwatch's own store afterwards: every published
// sequence number must be in a stored frame (a held value cannot stand in for
// a missing one: each number is published once), and every window whose T
// frames are stored complete must be scored exactly once.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kafka, logLevel } from 'kafkajs';
import { fittingFor } from '../../bin/model-kinds.js';
import { detectorConfigSchema } from '../../detector/index.js';
import { fitModel } from '../../detector/retraining/index.js';
import { modelConfigSchema } from '../../model/index.js';
import { createModelRegistry } from '../../model/node/index.js';
import { freePort } from './free-port.js';
import { uniqueName, waitFor } from './integration.js';
import { spawnGruwatch, testArtifactsDir } from './service-process.js';
import { compareScoredWindows } from './stored-windows.js';

export const faultPeriodMs = 500;
const channels = ['seq', 'x'];
const T = 8;
const hop = 4;
const modelName = 'fault';

const settings = () => ({
  model: modelConfigSchema.parse({
    windowSteps: T,
    hopSteps: hop,
    hiddenSize: 4,
    training: { epochs: 2, batchSize: 32, learningRate: 0.01, patience: 2, seed: 7 },
  }),
  detector: detectorConfigSchema.parse({ scoring: { hopSteps: hop } }),
});

/** Fits a tiny model on the shape the publisher sends (a ramp and a sine) and promotes it in `registryDir`. */
export async function fitFaultModel(registryDir: string): Promise<void> {
  const N = 1200;
  const frames = new Float32Array(N * channels.length);
  for (let i = 0; i < N; i++) {
    frames[i * 2] = i;
    frames[i * 2 + 1] = Math.sin(i / 5);
  }
  const { model, detector } = settings();
  const fitted = await fitModel({
    segments: [{ frames, startMs: 0 }],
    channels,
    periodMs: faultPeriodMs,
    ...fittingFor(model),
    detector,
    isInWorker: false,
  });
  const registry = createModelRegistry(registryDir);
  await registry.promote(modelName, await registry.add(modelName, fitted.bytes));
}

export interface FaultCounts {
  published: number;
  inStoredFrames: number;
  missing: { assetId: string; seq: number }[];
  windowsExpected: number;
  windowsScored: number;
  windowsNotScored: { assetId: string; atMs: number }[];
  /** Score rows for windows that are not complete in the store (should be none). */
  windowsScoredWithoutFrames: number;
}

export interface FaultRun {
  readonly name: string;
  readonly dir: string;
  readonly httpPort: number;
  readonly deadLetterFile: string;
  /** Where each start of gruwatch writes its log, `gruwatch-{n}.log`. */
  readonly logDir: string;
  /** Starts `gruwatch run` and waits until it is ready. */
  startGruwatch(): Promise<void>;
  /** Sends a signal to the running gruwatch (SIGSTOP, SIGCONT, SIGKILL); SIGKILL waits for the exit. */
  signal(signal: NodeJS.Signals): Promise<void>;
  /** Starts the publisher: one message per period carrying the next sequence number of every asset. */
  startPublisher(): void;
  /** Publishes one extra message as is (e.g. a reading with a bad clock). */
  publishRaw(payload: string): void;
  /** Marks the published sequence numbers so far as the ones to check, waits until they are framed, then stops
   *  everything; `beforeStop` runs once the publisher has exited and gruwatch still runs (to read its metrics). */
  finish(options?: { timeoutMs?: number; beforeStop?: () => Promise<void> }): Promise<FaultCounts>;
  /** Kills whatever still runs (teardown). */
  dispose(): void;
}

export async function createFaultRun(options: {
  dir: string;
  registryDir: string;
  mqtt?: { host: string; port: number };
  /** Consume from Kafka instead (a one-partition topic is created); the publisher is kcat. */
  kafka?: { brokers: string };
  assets?: readonly string[];
  /** Assets whose clock runs this far ahead (within the decoder's future skew): their timestamps are shifted. */
  clockAheadMs?: Readonly<Record<string, number>>;
  /** `ingest.mqtt.connections` (1 when omitted). */
  mqttConnections?: number;
  /** One message per asset and period instead of one carrying every asset. */
  isMessagePerAsset?: boolean;
  label: string;
}): Promise<FaultRun> {
  const { dir, mqtt, kafka } = options;
  const assets = options.assets ?? ['asset-a', 'asset-b'];
  const name = uniqueName(options.label);
  const deadLetterFile = join(dir, 'dead-letters.jsonl');
  const topic = kafka === undefined ? `fault/${name}/gateway` : `fault-${name}`;
  if (kafka !== undefined) {
    const admin = new Kafka({ brokers: kafka.brokers.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
  }
  const source =
    kafka === undefined
      ? {
          mqtt: {
            url: `mqtt://${mqtt!.host}:${mqtt!.port}`,
            clientId: uniqueName(`gw-${options.label}`),
            topics: [`fault/${name}/{gateway}`],
            keepaliveSecs: 5,
            reconnect: { initialDelayMs: 200, maxDelayMs: 1_000, multiplier: 2 },
            ...(options.mqttConnections === undefined ? {} : { connections: options.mqttConnections }),
          },
          deadLetter: { type: 'file', path: deadLetterFile },
        }
      : {
          kafka: {
            brokers: kafka.brokers.split(','),
            clientId: uniqueName(`gw-${options.label}`),
            groupId: uniqueName(`gw-${options.label}`),
            topics: [topic],
            isFromBeginning: true,
          },
        };
  const httpPort = await freePort();
  const storePath = join(dir, 'data', 'gruwatch.db');
  const logDir = join(testArtifactsDir, 'fault', name);
  mkdirSync(logDir, { recursive: true });
  const configFile = join(dir, 'gruwatch.json');
  const { model, detector } = settings();
  writeFileSync(
    configFile,
    JSON.stringify({
      dataDir: join(dir, 'data'),
      http: { port: httpPort },
      ingest: {
        ...source,
        decoder: { type: 'json' },
        assets: [{ match: '*', model: modelName, channels }],
        // No hold: a cell without its own reading is a gap, never an older value.
        align: { periodMs: faultPeriodMs, fill: 'last', maxHoldMs: 0, latenessMs: 1_000, idleFlushMs: 5_000 },
        window: { T, hop },
      },
      model: { ...model, registryDir: options.registryDir },
      detector: { ...detector, silences: [], maintenance: [], overrides: [] },
      store: { synchronous: 'normal' },
    }),
  );

  let child: ChildProcess | undefined;
  let runs = 0;
  let publisher: ChildProcess | undefined;
  let timer: NodeJS.Timeout | undefined;
  let seq = 0;
  let published = 0;
  const t0 = Math.ceil(Date.now() / faultPeriodMs) * faultPeriodMs;

  const exited = (c: ChildProcess) =>
    c.exitCode !== null || c.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => c.once('exit', () => resolve()));

  const run: FaultRun = {
    name,
    dir,
    httpPort,
    deadLetterFile,
    logDir,
    async startGruwatch() {
      runs++;
      child = spawnGruwatch(['run', '-c', configFile], join(logDir, `gruwatch-${runs}.log`));
      await waitFor(async () => (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).ok, {
        what: `gruwatch (${name}) ready`,
        timeoutMs: 60_000,
        intervalMs: 100,
      });
    },
    async signal(signal) {
      const c = child!;
      c.kill(signal);
      if (signal === 'SIGKILL') await exited(c);
    },
    startPublisher() {
      publisher =
        kafka === undefined
          ? spawn(
              'mosquitto_pub',
              ['-h', mqtt!.host, '-p', String(mqtt!.port), '-q', '1', '-c', '-i', uniqueName('pub')].concat([
                '-t',
                topic,
                '-l',
              ]),
              { stdio: ['pipe', 'ignore', 'pipe'] },
            )
          : // -E: keep producing (librdkafka buffers and retries) while every broker is down.
            spawn(
              'kcat',
              ['-P', '-E', '-b', kafka.brokers, '-t', topic, '-X', 'acks=all', '-X', 'linger.ms=5'],
              {
                stdio: ['pipe', 'ignore', 'pipe'],
              },
            );
      const stderr: string[] = [];
      publisher.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
      publisher.on('exit', () => writeFileSync(join(logDir, 'publisher.log'), stderr.join('')));
      // The next message is due at t0 + seq·period: a late timer catches up, event time stays on schedule.
      const due = () => {
        while (t0 + seq * faultPeriodMs <= Date.now()) {
          const ts = t0 + seq * faultPeriodMs;
          const readings = assets.map((asset) => ({
            asset,
            ts: ts + (options.clockAheadMs?.[asset] ?? 0),
            values: { seq, x: Math.sin(seq / 5) },
          }));
          const messages = options.isMessagePerAsset ? readings.map((r) => [r]) : [readings];
          for (const message of messages) publisher!.stdin!.write(`${JSON.stringify(message)}\n`);
          seq++;
        }
      };
      timer = setInterval(due, faultPeriodMs / 5);
    },
    publishRaw(payload) {
      publisher!.stdin!.write(`${payload}\n`);
    },
    async finish({ timeoutMs = 60_000, beforeStop } = {}) {
      published = seq;
      const lastSeq = published - 1;
      const framedUpTo = () => {
        const db = new Database(storePath, { readonly: true, fileMustExist: true });
        try {
          return assets.every((a) => readSeqs(db, a).some((s) => s >= lastSeq));
        } finally {
          db.close();
        }
      };
      // The newest readings are final only once later ones passed them by the lateness: keep publishing.
      await waitFor(framedUpTo, {
        what: `frames up to seq ${lastSeq} (${name})`,
        timeoutMs,
        intervalMs: 500,
      });
      clearInterval(timer);
      publisher?.stdin?.end();
      if (beforeStop !== undefined) {
        if (publisher) await exited(publisher);
        await beforeStop();
      }
      child?.kill('SIGTERM');
      await Promise.all([child ? exited(child) : undefined, publisher ? exited(publisher) : undefined]);
      return countStored(storePath, assets, published);
    },
    dispose() {
      clearInterval(timer);
      if (child && child.exitCode === null) child.kill('SIGKILL');
      if (publisher && publisher.exitCode === null) publisher.kill('SIGKILL');
    },
  };
  return run;
}

function readFrames(db: Database.Database, assetId: string) {
  return (
    db.prepare('SELECT at_ms, state, vals FROM frames WHERE asset_id = ? ORDER BY at_ms').all(assetId) as {
      at_ms: number;
      state: string;
      vals: Buffer;
    }[]
  ).map((r) => {
    const values = new Float64Array(
      r.vals.buffer.slice(r.vals.byteOffset, r.vals.byteOffset + r.vals.byteLength),
    );
    return { atMs: r.at_ms, state: r.state, seq: values[0]! };
  });
}

function readSeqs(db: Database.Database, assetId: string): number[] {
  return readFrames(db, assetId)
    .map((f) => f.seq)
    .filter((s) => !Number.isNaN(s));
}

function countStored(storePath: string, assets: readonly string[], published: number): FaultCounts {
  const db = new Database(storePath, { readonly: true, fileMustExist: true });
  try {
    const missing: { assetId: string; seq: number }[] = [];
    const windowsNotScored: { assetId: string; atMs: number }[] = [];
    let inStoredFrames = 0;
    let windowsExpected = 0;
    let windowsScored = 0;
    let windowsScoredWithoutFrames = 0;
    for (const assetId of assets) {
      const frames = readFrames(db, assetId);
      const seqs = new Set(frames.map((f) => f.seq));
      for (let s = 0; s < published; s++) {
        if (seqs.has(s)) inStoredFrames++;
        else missing.push({ assetId, seq: s });
      }
      const scoreAtMs = (
        db.prepare('SELECT at_ms FROM scores WHERE asset_id = ?').all(assetId) as { at_ms: number }[]
      ).map((r) => r.at_ms);
      const windows = compareScoredWindows(frames, scoreAtMs, { T, hop, periodMs: faultPeriodMs });
      windowsExpected += windows.expected;
      windowsScored += windows.scored;
      for (const atMs of windows.notScored) windowsNotScored.push({ assetId, atMs });
      windowsScoredWithoutFrames += windows.scoredWithoutFrames;
    }
    return {
      published: published * assets.length,
      inStoredFrames,
      missing,
      windowsExpected,
      windowsScored,
      windowsNotScored,
      windowsScoredWithoutFrames,
    };
  } finally {
    db.close();
  }
}

/** One series of a Prometheus counter, e.g. ingest_readings_dropped_total{reason="late"}; 0 when absent. */
export async function counterOf(port: number, name: string, label: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) && line.includes(label)) sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

/** The dead letters gruwatch wrote to its file, parsed. */
export function readDeadLetters(file: string): Record<string, unknown>[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** For each pause: lets gruwatch run for `upMs()`, SIGKILLs it, waits the pause and starts it again. */
export async function killAndRestart(
  run: FaultRun,
  pausesMs: readonly number[],
  upMs: () => number,
): Promise<void> {
  for (const downMs of pausesMs) {
    await new Promise((resolve) => setTimeout(resolve, upMs()));
    await run.signal('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await run.startGruwatch();
  }
}
