// Fault matrix, part one: gruwatch stalled for 40 s (SIGSTOP/SIGCONT, as a long
// GC pause or a frozen VM would) on MQTT and on Kafka (longer than the session
// timeout: the group rejoins), and a reading stamped 12 h in the future, side by
// side on the shared Mosquitto and Kafka (each case with its own topics, client
// and group ids and store). Every published sequence number must be in a stored frame
// and every window whose frames are stored complete must be scored once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  counterOf,
  createFaultRun,
  type FaultRun,
  fitFaultModel,
  readDeadLetters,
} from '../helpers/fault-run.js';
import { describeWithServer } from '../helpers/integration.js';
import { metricSum } from '../helpers/service-process.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeWithServer('kafka', 'fault matrix: stalls and bad clocks (Kafka)', (kafka) =>
  describeWithServer('mosquitto', 'fault matrix: stalls and bad clocks', (mosquitto) => {
    const root = mkdtempSync(join(tmpdir(), 'gruwatch-fault-stall-'));
    const registryDir = join(root, 'models');
    const broker = { host: new URL(mosquitto.url).hostname, port: Number(new URL(mosquitto.url).port) };
    const newRun = async (
      label: string,
      onTestFinished: (fn: () => void) => void,
      transport: 'mqtt' | 'kafka' = 'mqtt',
    ): Promise<FaultRun> => {
      const dir = mkdtempSync(join(root, `${label}-`));
      const run = await createFaultRun({
        dir,
        registryDir,
        label,
        ...(transport === 'mqtt' ? { mqtt: broker } : { kafka: { brokers: kafka.brokers.join(',') } }),
      });
      onTestFinished(() => run.dispose());
      return run;
    };

    beforeAll(() => fitFaultModel(registryDir), 60_000);
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    for (const [label, transport] of [
      ['MQTT', 'mqtt'],
      ['Kafka', 'kafka'],
    ] as const) {
      it.concurrent(`loses nothing when gruwatch is stopped for 40 s (SIGSTOP) and continued (${label})`, async ({
        onTestFinished,
      }) => {
        const run = await newRun(`stall-${transport}`, onTestFinished, transport);
        await run.startGruwatch();
        run.startPublisher();
        await sleep(8_000);
        await run.signal('SIGSTOP');
        await sleep(40_000);
        await run.signal('SIGCONT');
        await sleep(8_000);
        // Redelivered messages after the reconnect are dropped as duplicates; none may be late.
        const late = await counterOf(run.httpPort, 'ingest_readings_dropped_total', 'reason="late"');
        const counts = await run.finish();
        process.stderr.write(`fault matrix, SIGSTOP 40 s, ${label}: ${JSON.stringify(summary(counts))}\n`);
        expect(late, 'readings dropped as late').toBe(0);
        expect(counts.missing).toEqual([]);
        expect(counts.inStoredFrames).toBe(counts.published);
        expect(counts.windowsNotScored).toEqual([]);
        expect(counts.windowsScoredWithoutFrames).toBe(0);
        expect(counts.windowsExpected).toBeGreaterThan(0);
      }, 150_000);
    }

    it.concurrent('dead-letters a reading stamped 12 h ahead, naming the field, and its asset keeps every real reading', async ({
      onTestFinished,
    }) => {
      const run = await newRun('future', onTestFinished);
      await run.startGruwatch();
      run.startPublisher();
      await sleep(5_000);
      const aheadMs = Date.now() + 12 * 3_600_000;
      run.publishRaw(JSON.stringify({ asset: 'asset-a', ts: aheadMs, values: { seq: -1, x: 0 } }));
      await sleep(15_000);
      const rejected = await metricSum(run.httpPort, 'ingest_messages_rejected_total');
      const late = await counterOf(run.httpPort, 'ingest_readings_dropped_total', 'reason="late"');
      const counts = await run.finish();
      process.stderr.write(`fault matrix, reading 12 h ahead: ${JSON.stringify(summary(counts))}\n`);
      expect(rejected).toBe(1);
      expect(late).toBe(0);
      const letters = readDeadLetters(run.deadLetterFile);
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({ reason: 'invalid_timestamp', field: 'ts' });
      expect(String(letters[0]!.message)).toMatch(/after the message was received/);
      expect(counts.missing).toEqual([]);
      expect(counts.windowsNotScored).toEqual([]);
      expect(counts.windowsScoredWithoutFrames).toBe(0);
      expect(counts.windowsExpected).toBeGreaterThan(0);
    }, 150_000);
  }),
);

function summary(c: {
  published: number;
  inStoredFrames: number;
  windowsExpected: number;
  windowsScored: number;
  missing: unknown[];
}) {
  return {
    published: c.published,
    inStoredFrames: c.inStoredFrames,
    missing: c.missing.length,
    windowsComplete: c.windowsExpected,
    windowsScored: c.windowsScored,
  };
}
