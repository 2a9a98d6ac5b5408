// A Kafka dead-letter topic that does not exist yet, then is created: kcat (a
// third-party producer) writes one machine's readings with three undecodable
// records among them, and `gruwatch run` (a child process of the built CLI)
// must report the missing topic on /readyz, pause the partition with back-off
// instead of logging letters it did not write, resume by itself once the topic
// exists, and end with every record processed or dead-lettered exactly once:
// no record read twice, every good reading in its frame, every window scored once.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { expect, it } from 'vitest';
import type { Readiness } from '../../dashboards/api/index.js';
import { freePort } from '../helpers/free-port.js';
import { describeWithServer, onTeardown, uniqueName, waitFor } from '../helpers/integration.js';
import { metricSum, spawnGruwatch, testArtifactsDir } from '../helpers/service-process.js';
import {
  expectedWindowEnds,
  prepareSmallService,
  readStore,
  smallChannels,
  smallPeriodMs,
  smallServiceConfig,
  smallValue,
} from '../helpers/small-service.js';
import { kcatProduce } from '../helpers/third-party-publishers.js';

const { Kafka, logLevel } = kafkajs;
const published = 150;
const badAt = new Set([30, 60, 90]);

describeWithServer('kafka', 'a Kafka dead-letter topic that does not exist, then is created', (endpoints) => {
  it('pauses the partition and says why, resumes once the topic exists, and handles every record once', async () => {
    const { dir, dataDir } = await prepareSmallService('gruwatch-dlq-');

    const kafka = new Kafka({
      clientId: 'gruwatch-test',
      brokers: endpoints.brokers,
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    const topic = uniqueName('gw-readings');
    const deadLetterTopic = uniqueName('gw-dead');
    const groupId = uniqueName('gw-group');
    onTeardown(async () => {
      await admin.deleteTopics({ topics: [topic, deadLetterTopic] }).catch(() => {});
      await admin.disconnect();
    });
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });

    const httpPort = await freePort();
    const configFile = join(dir, 'gruwatch.yaml');
    writeFileSync(
      configFile,
      JSON.stringify(
        smallServiceConfig(dataDir, httpPort, {
          kafka: {
            brokers: endpoints.brokers,
            groupId,
            topics: [topic],
            isFromBeginning: true,
            commitIntervalMs: 200,
            deadLetterTopic,
            deadLetterRetry: { initialDelayMs: 500, maxDelayMs: 2_000, multiplier: 2 },
          },
        }),
      ),
    );
    const logs = join(testArtifactsDir, 'kafka-dead-letter-outage');
    mkdirSync(logs, { recursive: true });
    const logFile = join(logs, 'gruwatch.log');
    const child = spawnGruwatch(['run', '-c', configFile], logFile);
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    onTeardown(() => child.kill('SIGKILL'));
    const readiness = async (): Promise<Readiness> =>
      (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).json() as Promise<Readiness>;

    // Start-up: connected, but not ready, naming the missing topic.
    await waitFor(
      async () => {
        const r = await readiness().catch(() => undefined);
        return r?.checks.find((c) => c.name === 'ingest')?.ready === true ? r : undefined;
      },
      { what: 'the Kafka source connected', timeoutMs: 60_000 },
    );
    const atStart = await readiness();
    expect(atStart.ready).toBe(false);
    expect(atStart.checks.map((c) => c.detail ?? '').join(' ')).toContain(`"${deadLetterTopic}"`);

    const t0 = Math.floor(Date.now() / smallPeriodMs) * smallPeriodMs - 10 * 60_000;
    const lines: string[] = [];
    for (let seq = 0; seq < published; seq++) {
      if (badAt.has(seq)) lines.push(`{"asset":"machine-1","channel":"a","ts":${seq} broken`);
      for (const channel of smallChannels)
        lines.push(
          `{"asset":"machine-1","channel":"${channel}","ts":${t0 + seq * smallPeriodMs},"value":${smallValue(channel, seq)}}`,
        );
    }
    await kcatProduce(endpoints.brokers, topic, lines);

    // The first bad record meets the missing topic: the partition pauses, readiness says why,
    // and nothing is counted as dead-lettered.
    await waitFor(
      async () =>
        (await readiness()).checks.some((c) => c.detail?.includes('is paused')) ? true : undefined,
      { what: 'the partition paused for its dead-letter topic', timeoutMs: 60_000 },
    );
    expect(await metricSum(httpPort, 'ingest_dead_letters_total')).toBe(0);
    expect(await metricSum(httpPort, 'ingest_dead_letter_failures_total')).toBeGreaterThan(0);
    const committedWhilePaused = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(Number(committedWhilePaused[0].partitions[0].offset)).toBeLessThan(lines.length);

    await admin.createTopics({
      topics: [{ topic: deadLetterTopic, numPartitions: 1 }],
      waitForLeaders: true,
    });
    await waitFor(async () => ((await readiness()).ready ? true : undefined), {
      what: 'ready again once the dead-letter topic exists',
      timeoutMs: 90_000,
    });
    await waitFor(
      async () => {
        const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
        return Number(offsets[0].partitions[0].offset) === lines.length ? true : undefined;
      },
      { what: 'every record committed', timeoutMs: 60_000 },
    );
    const messages = await metricSum(httpPort, 'ingest_messages_total');
    const deadLettered = await metricSum(httpPort, 'ingest_dead_letters_total');
    child.kill('SIGTERM');
    await exited;

    // Every record once: read once, and each bad one dead-lettered once.
    expect(messages).toBe(lines.length);
    expect(deadLettered).toBe(badAt.size);
    const dlq = await admin.fetchTopicOffsets(deadLetterTopic);
    expect(Number(dlq[0].high)).toBe(badAt.size);

    const { frames, scoreAtMs } = readStore(dataDir, 'machine-1');
    const lastChecked = published - 5;
    for (let seq = 0; seq <= lastChecked; seq++) {
      const frame = frames.find((f) => f.atMs === t0 + seq * smallPeriodMs);
      expect(frame?.state, `frame of sequence ${seq}`).toBe('ok');
      expect([frame!.values[0], frame!.values[1]]).toEqual([smallValue('a', seq), smallValue('b', seq)]);
    }
    const ends = expectedWindowEnds(frames);
    expect(ends.length).toBeGreaterThan(30);
    expect(scoreAtMs).toEqual(ends);
    const log = readFileSync(logFile, 'utf8');
    expect(log).toContain('The dead-letter topic does not exist');
    expect(log).toContain('resuming the partition');
    expect(log).not.toContain('reading the partition again');
    process.stdout.write(
      `dead-letter outage: ${lines.length} records, ${messages} read, ${deadLettered} dead-lettered once, ${lastChecked + 1} frames checked, ${scoreAtMs.length} windows scored once\n`,
    );
  });
});
