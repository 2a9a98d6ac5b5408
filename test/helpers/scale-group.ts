// Several `gruwatch run` instances in one Kafka consumer group on the simulated
// pumps: the model they share, each instance's configuration and process, and
// what a test or benchmark reads from outside: the group's assignment per
// instance name, its lag, and every asset's score times in InfluxDB.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs, { type Admin } from 'kafkajs';
import { fittingFor } from '../../bin/model-kinds.js';
import { detectorConfigSchema } from '../../detector/index.js';
import { fitModel } from '../../detector/retraining/index.js';
import { alignReadings, createPlant, tickReadings } from '../../ingest/index.js';
import { modelConfigSchema } from '../../model/index.js';
import { createModelRegistry } from '../../model/node/index.js';
import { freePort } from './free-port.js';
import { influxql } from './influxql.js';
import { waitFor } from './integration.js';
import { pumpChannels } from './pump-plant.js';
import { spawnGruwatch } from './service-process.js';

const { AssignerProtocol } = kafkajs;

export const groupPeriodMs = 1_000;
const T = 16;
export const groupHopSteps = 4;
const modelName = 'pumps';

/** Short windows (16 s, scored every 4 s) so a group warms up in seconds; alerts open after 3 s above. */
export const groupSettings = {
  model: modelConfigSchema.parse({
    windowSteps: T,
    hopSteps: groupHopSteps,
    hiddenSize: 12,
    training: { epochs: 4, batchSize: 64, learningRate: 0.01, patience: 2, seed: 5 },
  }),
  detector: detectorConfigSchema.parse({
    scoring: { aggregate: 'mse_last_hop', hopSteps: groupHopSteps, ewmaAlpha: 0.5 },
    threshold: { type: 'quantile', q: 0.999 },
    // Ten minutes of a plant are too few to calibrate a quantile that holds through its setpoint
    // steps, which come every few minutes over 60 pumps: the threshold is fixed instead. Normal
    // scores stay under 0.05 and a setpoint step's under 1.1, at every time of day; a planted fault
    // on a channel scores far above (a noise burst of half the channel's span: 5 to 19).
    overrides: [{ asset: 'pump-*', threshold: 2 }],
    alerts: {
      minAboveMs: 3_000,
      clearBelowMs: 8_000,
      hysteresis: 0.8,
      cooldownMs: 300_000,
      criticalRatio: 1_000,
      flapping: { enabled: false },
    },
    // The simulated pumps run at 45 % of rated speed or more; below 1,200 rpm one is starting,
    // stopping or stopped. A stop's ramp-down in the calibration windows would otherwise set the
    // threshold, and how high depends on the speed it ramps down from, which follows the time of day.
    machineOff: [{ asset: 'pump-*', channel: 'speed_rpm', below: 1_200 }],
  }),
  ingest: {
    decoder: { type: 'json' as const },
    align: {
      periodMs: groupPeriodMs,
      fill: 'last' as const,
      maxHoldMs: 5_000,
      latenessMs: 2_000,
      idleFlushMs: 10_000,
    },
    assets: [{ match: 'pump-*', model: modelName, channels: [...pumpChannels] }],
    window: { T, hop: groupHopSteps },
  },
};

/**
 * Fits the group's model on `minutes` of normal operation of every asset of the simulated plant
 * (`seed`, `assets`) before `liveStartMs`, and makes it current in `registryDir`.
 */
export async function trainGroupModel(options: {
  registryDir: string;
  seed: number;
  assets: number;
  liveStartMs: number;
  minutes: number;
}): Promise<void> {
  const startMs = options.liveStartMs - options.minutes * 60_000;
  const plant = createPlant({
    assets: options.assets,
    kind: 'pump',
    seed: options.seed,
    startMs,
    periodMs: groupPeriodMs,
  });
  const byAsset = new Map<string, ReturnType<typeof tickReadings>>();
  for (const tick of plant.generate(options.liveStartMs))
    for (const reading of tickReadings(tick, plant.assets)) {
      const readings = byAsset.get(reading.assetId) ?? [];
      readings.push(reading);
      byAsset.set(reading.assetId, readings);
    }
  const { model, detector, ingest } = groupSettings;
  const segments = [...byAsset.values()].map((r) => alignReadings(r, pumpChannels, ingest)!);
  const fitted = await fitModel({
    segments,
    channels: pumpChannels,
    periodMs: groupPeriodMs,
    ...fittingFor(model),
    detector,
    isInWorker: false,
    strideSteps: groupHopSteps,
  });
  const registry = createModelRegistry(options.registryDir);
  await registry.promote(modelName, await registry.add(modelName, fitted.bytes));
}

export interface GroupKafka {
  brokers: readonly string[];
  groupId: string;
  topic: string;
  changelogTopic: string;
  sessionTimeoutMs: number;
}

/**
 * The topics a group reads and keeps its state in, as a deployment creates them: the input topic
 * (unless it exists already) and the compacted changelog with the same number of partitions.
 */
export async function createGroupTopics(
  admin: Admin,
  topics: { input?: string; changelog: string; partitions: number },
): Promise<void> {
  await admin.createTopics({
    topics: [
      ...(topics.input === undefined ? [] : [{ topic: topics.input, numPartitions: topics.partitions }]),
      {
        topic: topics.changelog,
        numPartitions: topics.partitions,
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
      },
    ],
    waitForLeaders: true,
  });
}

/** One `gruwatch run` of the group: a stable name, its own data folder and port; restartable. */
export interface GroupInstance {
  readonly name: string;
  readonly dataDir: string;
  readonly port: number;
  /** Starts the process (again) and waits until it is ready. */
  start(): Promise<void>;
  /** SIGKILL, waiting for the exit. */
  kill(): Promise<void>;
  /** SIGTERM, waiting for the exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  isRunning(): boolean;
}

export async function createGroupInstance(options: {
  name: string;
  dir: string;
  registryDir: string;
  kafka: GroupKafka;
  sinks: readonly Record<string, unknown>[];
  logDir: string;
}): Promise<GroupInstance> {
  const { name, dir, kafka } = options;
  const dataDir = join(dir, name);
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(options.logDir, { recursive: true });
  const port = await freePort();
  const configFile = join(dir, `${name}.json`);
  const { model, detector, ingest } = groupSettings;
  writeFileSync(
    configFile,
    JSON.stringify({
      instance: name,
      dataDir,
      http: { port },
      ingest: {
        ...ingest,
        kafka: {
          brokers: kafka.brokers,
          groupId: kafka.groupId,
          topics: [kafka.topic],
          isFromBeginning: true,
          changelogTopic: kafka.changelogTopic,
          commitIntervalMs: 200,
          sessionTimeoutMs: kafka.sessionTimeoutMs,
          heartbeatIntervalMs: Math.round(kafka.sessionTimeoutMs / 6),
        },
      },
      model: { ...model, registryDir: options.registryDir },
      detector: { ...detector, silences: [], maintenance: [] },
      store: { synchronous: 'normal' },
      sinks: options.sinks,
    }),
  );
  let child: ChildProcess | undefined;
  let runs = 0;
  const exited = (c: ChildProcess) =>
    new Promise<number | null>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) resolve(c.exitCode);
      else c.once('exit', (code) => resolve(code));
    });
  return {
    name,
    dataDir,
    port,
    async start() {
      runs++;
      child = spawnGruwatch(['run', '-c', configFile], join(options.logDir, `${name}-${runs}.log`));
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.ok, {
        what: `instance ${name} ready`,
        timeoutMs: 60_000,
      });
    },
    async kill() {
      const c = child;
      if (c === undefined) return;
      c.kill('SIGKILL');
      await exited(c);
    },
    async stop() {
      const c = child;
      if (c === undefined) return null;
      c.kill('SIGTERM');
      return exited(c);
    },
    isRunning: () => child !== undefined && child.exitCode === null && child.signalCode === null,
  };
}

/** The partitions of `topic` each member of the group holds, by the instance name it announces. */
export async function assignmentByInstance(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<Map<string, number[]>> {
  const { groups } = await admin.describeGroups([groupId]);
  const out = new Map<string, number[]>();
  for (const member of groups[0]?.members ?? []) {
    const identity = AssignerProtocol.MemberMetadata.decode(member.memberMetadata)?.userData.toString();
    const assignment = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
    if (identity === undefined || assignment === null) continue;
    out.set(
      identity,
      [...(assignment.assignment[topic] ?? [])].sort((a, b) => a - b),
    );
  }
  return out;
}

/** Per partition, the end of the log minus the group's committed offset (the whole log when none). */
export async function groupLag(admin: Admin, groupId: string, topic: string): Promise<number[]> {
  const ends = await admin.fetchTopicOffsets(topic);
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return ends
    .sort((a, b) => a.partition - b.partition)
    .map(({ partition, high, low }) => {
      const offset = committed?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
      return Number(high) - Math.max(Number(offset), Number(low));
    });
}

/** Every asset's score times (ms, oldest first) in the InfluxDB `database`, from `sinceMs` on. */
export async function influxScoreTimes(
  influxdb: { url: string; token: string },
  database: string,
  sinceMs: number,
): Promise<Map<string, number[]>> {
  const series = await influxql(
    influxdb,
    `SELECT "score" FROM "gruwatch_score" WHERE time >= ${sinceMs}ms GROUP BY "asset"`,
    { database, method: 'GET' },
  );
  const out = new Map<string, number[]>();
  for (const s of series) {
    const asset = s.tags?.asset;
    if (asset === undefined) continue;
    out.set(
      asset,
      [...(out.get(asset) ?? []), ...s.values.map((v) => Number(v[0]))].sort((a, b) => a - b),
    );
  }
  return out;
}

/** The longest stretch without a score in `times` (sorted), from the first score to `untilMs`. */
export function longestHoleMs(times: readonly number[], untilMs: number): number {
  let longest = 0;
  for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i]! - times[i - 1]!);
  const last = times.at(-1);
  return last === undefined ? Number.POSITIVE_INFINITY : Math.max(longest, untilMs - last);
}
