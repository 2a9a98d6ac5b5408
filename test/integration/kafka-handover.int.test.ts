// Two `gruwatch run` instances in one consumer group with a state changelog:
// one is SIGKILLed mid-stream and the other takes its partitions over from the
// state the killed one wrote, so every asset's windows go on being scored with
// no hole (without the changelog the first T frames after the move are lost).
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { describeWithServer, onTeardown, uniqueName, waitFor } from '../helpers/integration.js';
import { createGroupTopics } from '../helpers/scale-group.js';
import { spawnGruwatch, testArtifactsDir } from '../helpers/service-process.js';
import {
  expectedWindowEnds,
  prepareSmallService,
  readStore,
  smallPeriodMs,
  smallServiceConfig,
  smallValue,
} from '../helpers/small-service.js';

const { Kafka, logLevel, Partitioners } = kafkajs;

describeWithServer('kafka', 'Kafka handover of per-asset state between instances', (endpoints) => {
  it('scores every window of every asset across a SIGKILL of one of two instances', async () => {
    const kafka = new Kafka({ brokers: endpoints.brokers, logLevel: logLevel.NOTHING });
    const input = uniqueName('handover-input');
    const changelogTopic = uniqueName('handover-state');
    const admin = kafka.admin();
    await admin.connect();
    onTeardown(async () => {
      await admin.deleteTopics({ topics: [input, changelogTopic] }).catch(() => {});
      await admin.disconnect();
    });
    await createGroupTopics(admin, { input, changelog: changelogTopic, partitions: 6 });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    onTeardown(() => producer.disconnect());

    const groupId = uniqueName('handover-group');
    const logDir = join(testArtifactsDir, 'handover', groupId);
    mkdirSync(logDir, { recursive: true });
    const instances = await Promise.all(
      ['a', 'b'].map(async (name) => {
        const { dir, dataDir } = await prepareSmallService(`handover-${name}-`);
        const port = await freePort();
        const configFile = join(dir, 'gruwatch.json');
        writeFileSync(
          configFile,
          JSON.stringify({
            instance: name,
            ...smallServiceConfig(dataDir, port, {
              kafka: {
                brokers: endpoints.brokers,
                groupId,
                topics: [input],
                isFromBeginning: true,
                changelogTopic,
                commitIntervalMs: 200,
                sessionTimeoutMs: 6_000,
                heartbeatIntervalMs: 1_000,
              },
            }),
          }),
        );
        const child = spawnGruwatch(['run', '-c', configFile], join(logDir, `${name}.log`));
        onTeardown(() => {
          child.kill('SIGKILL');
        });
        await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.ok, {
          what: `instance ${name} ready`,
          timeoutMs: 60_000,
        });
        return { name, dataDir, child, configFile, port };
      }),
    );

    const assets = Array.from({ length: 12 }, (_, i) => `pump-${i}`);
    const t0 = Date.UTC(2026, 0, 1);
    const publish = async (from: number, to: number) => {
      for (let seq = from; seq < to; seq++)
        await producer.send({
          topic: input,
          acks: -1,
          messages: assets.map((asset) => ({
            key: asset,
            value: JSON.stringify({
              asset,
              ts: t0 + seq * smallPeriodMs,
              values: { a: smallValue('a', seq), b: smallValue('b', seq) },
            }),
          })),
        });
    };
    const scoredUpTo = (seq: number) =>
      assets.every((asset) =>
        instances.some((i) =>
          readStore(i.dataDir, asset).scoreAtMs.some((at) => at >= t0 + seq * smallPeriodMs),
        ),
      );

    await publish(0, 60);
    await waitFor(() => scoredUpTo(50), { what: 'both instances scoring', timeoutMs: 60_000 });
    const [killed, survivor] = instances;
    const killedAssets = assets.filter((asset) => readStore(killed!.dataDir, asset).scoreAtMs.length > 0);
    expect(killedAssets.length).toBeGreaterThan(0);
    // Offsets are committed every 200 ms: the survivor resumes past the start, as in production.
    await new Promise((r) => setTimeout(r, 2_000));
    killed!.child.kill('SIGKILL');
    await publish(60, 120);
    await waitFor(() => scoredUpTo(110), { what: 'the survivor scoring every asset', timeoutMs: 90_000 });

    // The killed instance comes back with its volume: its partitions return home, with the state
    // the survivor wrote meanwhile (not the one it left), and no window is skipped.
    const back = spawnGruwatch(['run', '-c', killed!.configFile], join(logDir, `${killed!.name}-again.log`));
    onTeardown(() => {
      back.kill('SIGKILL');
    });
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${killed!.port}/readyz`).catch(() => null))?.ok,
      {
        what: 'the killed instance ready again',
        timeoutMs: 60_000,
      },
    );
    await publish(120, 180);
    await waitFor(() => scoredUpTo(170), { what: 'both instances scoring again', timeoutMs: 90_000 });
    for (const asset of killedAssets)
      expect(readStore(killed!.dataDir, asset).scoreAtMs.some((at) => at > t0 + 125 * smallPeriodMs)).toBe(
        true,
      );

    for (const asset of assets) {
      const frames = readStore(survivor!.dataDir, asset).frames;
      const scored = new Set(instances.flatMap((i) => readStore(i.dataDir, asset).scoreAtMs));
      const expected = expectedWindowEnds(
        [
          ...readStore(killed!.dataDir, asset).frames.filter((f) => !frames.some((g) => g.atMs === f.atMs)),
          ...frames,
        ].sort((x, y) => x.atMs - y.atMs),
      ).filter((at) => at <= t0 + 170 * smallPeriodMs);
      expect(expected.length).toBeGreaterThan(20);
      expect({ asset, missing: expected.filter((at) => !scored.has(at)) }).toEqual({ asset, missing: [] });
    }
    // The survivor scored the killed instance's assets after the kill.
    for (const asset of killedAssets)
      expect(readStore(survivor!.dataDir, asset).scoreAtMs.some((at) => at > t0 + 60 * smallPeriodMs)).toBe(
        true,
      );
    // A stop commits, writes its state and leaves the group.
    for (const child of [survivor!.child, back]) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      expect((await exited)[0]).toBe(0);
    }
  }, 180_000);
});
