// Benchmark of a consumer group of `gruwatch run` instances (real processes, real
// Kafka, 12 partitions, the simulated pumps): throughput with 1, 2 and 3
// instances side by side in one run (readings/s from the produced backlog to
// committed offsets, which follow the committed scores), and the handover time
// after a SIGKILL (until the survivors score the moved assets again) per
// sessionTimeoutMs. Prints one JSON object.
// Run: npm run --silent bench:scale  (options: --ticks N, --session-timeouts-ms 6000,10000)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import kafkajs from 'kafkajs';
import { createSilentLogger, systemClock } from '../../core/index.js';
import { runSimulation, simulateOptionsSchema } from '../../ingest/index.js';
import { uniqueName, waitFor } from '../helpers/integration.js';
import { pumpChannels } from '../helpers/pump-plant.js';
import {
  assignmentByInstance,
  createGroupInstance,
  createGroupTopics,
  type GroupInstance,
  type GroupKafka,
  groupLag,
  groupPeriodMs,
  groupSettings,
  trainGroupModel,
} from '../helpers/scale-group.js';
import { testArtifactsDir } from '../helpers/service-process.js';
import { loadEndpoints } from '../helpers/services.js';

const { values } = parseArgs({
  options: {
    ticks: { type: 'string', default: '200' },
    assets: { type: 'string', default: '60' },
    'session-timeouts-ms': { type: 'string', default: '6000,10000' },
  },
});
const ticks = Number(values.ticks);
const assetCount = Number(values.assets);
const sessionTimeoutsMs = values['session-timeouts-ms'].split(',').map(Number);
const seed = 16;
const partitions = 12;
const { brokers } = loadEndpoints().kafka;
const admin = new kafkajs.Kafka({ brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
await admin.connect();
const dir = mkdtempSync(join(tmpdir(), 'gruwatch-scale-bench-'));
const logDir = join(testArtifactsDir, 'scale-bench', uniqueName('run'));
const registryDir = join(dir, 'models');
const running: GroupInstance[] = [];
const topics: string[] = [];

/** A fresh input topic and compacted changelog, and `count` instances of a new group on them. */
async function startGroup(
  count: number,
  sessionTimeoutMs: number,
): Promise<{ instances: GroupInstance[]; group: GroupKafka }> {
  const group: GroupKafka = {
    brokers,
    groupId: uniqueName('bench-group'),
    topic: uniqueName('bench-input'),
    changelogTopic: uniqueName('bench-state'),
    sessionTimeoutMs,
  };
  topics.push(group.topic, group.changelogTopic);
  await createGroupTopics(admin, { input: group.topic, changelog: group.changelogTopic, partitions });
  const instances: GroupInstance[] = [];
  for (let i = 0; i < count; i++)
    instances.push(
      await createGroupInstance({
        name: `${group.groupId}-${i}`,
        dir,
        registryDir,
        kafka: group,
        sinks: [],
        logDir,
      }),
    );
  running.push(...instances);
  await Promise.all(instances.map((i) => i.start()));
  await waitFor(
    async () => {
      const assignment = await assignmentByInstance(admin, group.groupId, group.topic);
      return assignment.size === count && [...assignment.values()].flat().length === partitions;
    },
    { what: `${count} members holding the partitions`, timeoutMs: 120_000 },
  );
  return { instances, group };
}

const simulate = (topic: string, startMs: number, pace: 'fast' | 'realtime', durationMs?: number) =>
  runSimulation(
    simulateOptionsSchema.parse({
      assets: assetCount,
      kind: 'pump',
      seed,
      startMs,
      periodMs: groupPeriodMs,
      pace,
      ...(durationMs === undefined ? {} : { durationMs }),
      target: { type: 'kafka', brokers, topic },
    }),
    { logger: createSilentLogger(), clock: systemClock },
  );

/** Readings per second from the first produced record of a backlog to the group's last commit of it. */
async function measureThroughput(count: number): Promise<Record<string, number>> {
  const { instances, group } = await startGroup(count, 10_000);
  const { groupId, topic } = group;
  const startedAtMs = Date.now();
  const run = simulate(topic, Date.now() - ticks * groupPeriodMs, 'fast', ticks * groupPeriodMs);
  const { readings, messages } = await run.done;
  await waitFor(async () => (await groupLag(admin, groupId, topic)).every((l) => l === 0), {
    what: `${count} instances committing the backlog`,
    timeoutMs: 900_000,
    intervalMs: 200,
  });
  const seconds = (Date.now() - startedAtMs) / 1000;
  await Promise.all(instances.map((i) => i.stop()));
  return {
    instances: count,
    records: messages,
    readings,
    seconds: Number(seconds.toFixed(1)),
    readings_per_s: Math.round(readings / seconds),
  };
}

/** The newest score time per asset in one instance's store. */
function newestScores(dataDir: string): Map<string, number> {
  const db = new Database(join(dataDir, 'gruwatch.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT asset_id, max(at_ms) AS at FROM scores GROUP BY asset_id').all() as {
      asset_id: string;
      at: number;
    }[];
    return new Map(rows.map((r) => [r.asset_id, r.at]));
  } finally {
    db.close();
  }
}

/** Three instances on live 1 Hz data; one SIGKILLed; time until a survivor scores each of its assets. */
async function measureHandover(sessionTimeoutMs: number): Promise<Record<string, unknown>> {
  const { instances, group } = await startGroup(3, sessionTimeoutMs);
  const live = simulate(group.topic, Date.now() - 30_000, 'realtime');
  try {
    await waitFor(
      () => {
        const scored = new Set(instances.flatMap((i) => [...newestScores(i.dataDir).keys()]));
        return scored.size === assetCount;
      },
      { what: 'every asset scored', timeoutMs: 120_000, intervalMs: 500 },
    );
    // Let commits and changelog writes settle into their steady rhythm.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const [victim, ...survivors] = instances;
    const moved = [...newestScores(victim!.dataDir).keys()];
    const before = survivors.map((s) => newestScores(s.dataDir));
    const killedAtMs = Date.now();
    await victim!.kill();
    const takenAtMs = new Map<string, number>();
    await waitFor(
      () => {
        survivors.forEach((s, i) => {
          const now = newestScores(s.dataDir);
          for (const asset of moved)
            if (!takenAtMs.has(asset) && (now.get(asset) ?? 0) > (before[i]!.get(asset) ?? 0))
              takenAtMs.set(asset, Date.now());
        });
        return takenAtMs.size === moved.length;
      },
      { what: 'the survivors scoring every moved asset', timeoutMs: 180_000, intervalMs: 100 },
    );
    const delays = [...takenAtMs.values()].map((at) => at - killedAtMs).sort((a, b) => a - b);
    const { window, align } = groupSettings.ingest;
    const keptRows = (2 * window.T * align.periodMs + align.latenessMs + align.maxHoldMs) / align.periodMs;
    return {
      session_timeout_ms: sessionTimeoutMs,
      heartbeat_interval_ms: Math.round(sessionTimeoutMs / 6),
      assets_moved: moved.length,
      readings_kept_per_asset: keptRows * pumpChannels.length,
      first_ms: delays[0],
      median_ms: delays[Math.floor(delays.length / 2)],
      last_ms: delays.at(-1),
    };
  } finally {
    await live.stop();
    await Promise.all(instances.map((i) => i.kill()));
  }
}

try {
  await trainGroupModel({ registryDir, seed, assets: assetCount, liveStartMs: Date.now(), minutes: 10 });
  const throughput = [];
  for (const count of [1, 2, 3]) throughput.push(await measureThroughput(count));
  const handover = [];
  for (const sessionTimeoutMs of sessionTimeoutsMs) handover.push(await measureHandover(sessionTimeoutMs));
  process.stdout.write(
    `${JSON.stringify(
      {
        bench: 'scale',
        assets: assetCount,
        channels: pumpChannels.length,
        partitions,
        backlog_ticks: ticks,
        window: groupSettings.ingest.window,
        throughput,
        speedup_2: Number((throughput[1]!.readings_per_s! / throughput[0]!.readings_per_s!).toFixed(2)),
        speedup_3: Number((throughput[2]!.readings_per_s! / throughput[0]!.readings_per_s!).toFixed(2)),
        handover_after_sigkill: handover,
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await Promise.all(running.map((i) => i.kill()));
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
  rmSync(dir, { recursive: true, force: true });
}
