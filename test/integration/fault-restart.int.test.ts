// Fault matrix, part two: gruwatch SIGKILLed at random moments five times in a
// row and restarted after 5–60 s, and the broker restarted under a running
// gruwatch: a private Mosquitto (SIGTERM, twice) and a private Kafka (SIGKILL,
// down 30 s, kcat producing with acks=all), side by side. Every published
// sequence number must be in a stored frame, every window whose frames are
// stored complete must be scored, across the restarts, and whatever is read
// twice must be counted as a duplicate, never stored twice, never late. Beside
// them, InfluxDB and the webhook receiver are down 5 minutes while gruwatch is
// SIGKILLed and restarted: afterwards every published sequence number is in a
// stored frame, every complete window is scored, and every score and alert
// event is delivered once (test/helpers/sink-outage-case.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { counterOf, createFaultRun, type FaultCounts, fitFaultModel } from '../helpers/fault-run.js';
import { describeWithServer, waitFor } from '../helpers/integration.js';
import { createPrivateKafka } from '../helpers/private-kafka.js';
import { createPrivateMosquitto } from '../helpers/private-mosquitto.js';
import { metricSum } from '../helpers/service-process.js';
import { runSinkOutageCase } from '../helpers/sink-outage-case.js';
import { runCommand } from '../helpers/tools.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const between = (lowMs: number, highMs: number) => lowMs + Math.random() * (highMs - lowMs);

async function recordsIn(brokers: string, topic: string): Promise<number> {
  const admin = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Every record of a one-partition topic, read from the beginning with kcat. */
async function consumeAll(brokers: string, topic: string): Promise<string[]> {
  const { code, stdout, stderr } = await runCommand('kcat', [
    '-C',
    '-b',
    brokers,
    '-t',
    topic,
    '-o',
    'beginning',
    '-e',
    '-q',
  ]);
  if (code !== 0) throw new Error(`kcat -C exited with ${code}: ${stderr}`);
  return stdout.split('\n').filter((line) => line.trim() !== '');
}

function report(label: string, c: FaultCounts, extra: Record<string, unknown> = {}): void {
  const counts = {
    published: c.published,
    inStoredFrames: c.inStoredFrames,
    missing: c.missing.length,
    windowsComplete: c.windowsExpected,
    windowsScored: c.windowsScored,
    ...extra,
  };
  process.stderr.write(`fault matrix, ${label}: ${JSON.stringify(counts)}\n`);
}

function expectNothingLost(c: FaultCounts): void {
  expect(c.missing).toEqual([]);
  expect(c.inStoredFrames).toBe(c.published);
  expect(c.windowsNotScored).toEqual([]);
  expect(c.windowsScoredWithoutFrames).toBe(0);
  expect(c.windowsExpected).toBeGreaterThan(0);
}

// The shared Kafka is needed only for the jars and version deploy/local/services installed; it is never touched.
describeWithServer('kafka', 'fault matrix: kills and broker restarts (Kafka)', (kafka) =>
  describeWithServer('mosquitto', 'fault matrix: kills and broker restarts', (mosquitto) => {
    const root = mkdtempSync(join(tmpdir(), 'gruwatch-fault-restart-'));
    const registryDir = join(root, 'models');
    const shared = { host: new URL(mosquitto.url).hostname, port: Number(new URL(mosquitto.url).port) };

    beforeAll(() => fitFaultModel(registryDir), 60_000);
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    it.concurrent('loses nothing when gruwatch is SIGKILLed at random moments five times and restarted after 5–60 s', async ({
      onTestFinished,
    }) => {
      const dir = mkdtempSync(join(root, 'kill-'));
      // One asset's clock runs 4 minutes ahead (within the future skew): its own readings and the
      // others' must all be framed and scored across the restarts too.
      const run = await createFaultRun({
        dir,
        registryDir,
        mqtt: shared,
        label: 'kill',
        assets: ['asset-a', 'asset-b', 'asset-ahead'],
        clockAheadMs: { 'asset-ahead': 240_000 },
      });
      onTestFinished(() => run.dispose());
      await run.startGruwatch();
      run.startPublisher();
      // Down 5–60 s, one pause in each fifth of that range so both ends are always tried, in random order.
      const pauses = [0, 1, 2, 3, 4]
        .map((k) => Math.round(between(5_000 + k * 11_000, 16_000 + k * 11_000)))
        .sort(() => Math.random() - 0.5);
      for (const downMs of pauses) {
        await sleep(between(3_000, 9_000));
        await run.signal('SIGKILL');
        await sleep(downMs);
        await run.startGruwatch();
      }
      await sleep(5_000);
      const late = await counterOf(run.httpPort, 'ingest_readings_dropped_total', 'reason="late"');
      const counts = await run.finish();
      report('SIGKILL ×5', counts, { downMs: pauses, lateAfterLastStart: late });
      expect(late).toBe(0);
      expectNothingLost(counts);
    }, 330_000);

    it.concurrent(
      'delivers every score and alert event exactly once after InfluxDB and the webhook receiver were down 5 minutes during a SIGKILL',
      ({ onTestFinished }) =>
        runSinkOutageCase({ mosquittoUrl: mosquitto.url, outageMs: 300_000, onTestFinished }),
      420_000,
    );

    it.concurrent('loses nothing when the broker restarts under a running gruwatch (private Mosquitto)', async ({
      onTestFinished,
    }) => {
      const dir = mkdtempSync(join(root, 'broker-'));
      const broker = await createPrivateMosquitto(join(dir, 'mosquitto'));
      onTestFinished(() => broker.dispose());
      await broker.start();
      const run = await createFaultRun({ dir, registryDir, mqtt: broker, label: 'broker' });
      onTestFinished(() => run.dispose());
      await run.startGruwatch();
      run.startPublisher();
      await sleep(8_000);
      await broker.stop();
      await sleep(10_000);
      await broker.start();
      await sleep(10_000);
      await broker.stop();
      await sleep(3_000);
      await broker.start();
      await sleep(8_000);
      const late = await counterOf(run.httpPort, 'ingest_readings_dropped_total', 'reason="late"');
      const counts = await run.finish();
      report('Mosquitto restarted twice', counts, { late });
      expect(late).toBe(0);
      expectNothingLost(counts);
    }, 170_000);
    it.concurrent('loses nothing when the Kafka broker is SIGKILLed for 30 s and restarted under a running gruwatch (private Kafka)', async ({
      onTestFinished,
    }) => {
      const dir = mkdtempSync(join(root, 'kafka-broker-'));
      const broker = await createPrivateKafka(join(dir, 'kafka'), kafka.version);
      onTestFinished(() => broker.dispose());
      await broker.start();
      const assets = ['asset-a', 'asset-b'];
      const run = await createFaultRun({
        dir,
        registryDir,
        kafka: { brokers: broker.brokers },
        assets,
        label: 'kafka-broker',
      });
      onTestFinished(() => run.dispose());
      await run.startGruwatch();
      run.startPublisher();
      await sleep(8_000);
      await broker.kill();
      const downMs = 30_000;
      await sleep(downMs);
      await broker.start();
      await sleep(10_000);
      const topic = `fault-${run.name}`;
      let late = 0;
      let duplicates = 0;
      let messagesRead = 0;
      const counts = await run.finish({
        timeoutMs: 90_000,
        // Once gruwatch has read every record in the topic, its counters cover them all.
        beforeStop: async () => {
          const records = await recordsIn(broker.brokers, topic);
          // The counters are compared with each other: sample them while no message is being read.
          messagesRead = await waitFor(
            async () => {
              const read = await metricSum(run.httpPort, 'ingest_messages_total');
              if (read < records) return undefined;
              late = await counterOf(run.httpPort, 'ingest_readings_dropped_total', 'reason="late"');
              duplicates = await counterOf(
                run.httpPort,
                'ingest_readings_dropped_total',
                'reason="duplicate"',
              );
              return (await metricSum(run.httpPort, 'ingest_messages_total')) === read ? read : undefined;
            },
            { what: `gruwatch to read all ${records} records`, timeoutMs: 30_000 },
          );
        },
      });
      // kcat (acks=all, not idempotent) may write a record twice when the broker died before its ack.
      const seqs = (await consumeAll(broker.brokers, topic)).map(
        (line) => (JSON.parse(line) as { values: { seq: number } }[])[0]!.values.seq,
      );
      const duplicatedRecords = seqs.length - new Set(seqs).size;
      process.stderr.write(
        `fault matrix, Kafka broker SIGKILLed ${downMs / 1000} s: ${JSON.stringify({
          published: counts.published,
          inStoredFrames: counts.inStoredFrames,
          missing: counts.missing.length,
          windowsComplete: counts.windowsExpected,
          windowsScored: counts.windowsScored,
          recordsInTopic: seqs.length,
          duplicatedRecords,
          messagesRead,
          duplicateReadingsCounted: duplicates,
          late,
        })}\n`,
      );
      expect(late, 'readings dropped as late').toBe(0);
      expect(counts.missing).toEqual([]);
      expect(counts.inStoredFrames).toBe(counts.published);
      expect(counts.windowsNotScored).toEqual([]);
      expect(counts.windowsScoredWithoutFrames).toBe(0);
      expect(counts.windowsExpected).toBeGreaterThan(0);
      // Every reading read twice (a record written twice, or read again after the consumer restarted) was
      // counted as a duplicate and dropped; frames and scores are keyed by asset and time, so none is stored twice.
      expect(duplicates).toBeGreaterThanOrEqual(duplicatedRecords * assets.length);
      expect(duplicates).toBe((messagesRead - new Set(seqs).size) * assets.length);
    }, 200_000);
  }),
);
