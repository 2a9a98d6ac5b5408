// A poison value from a third-party publisher: mosquitto_pub sends one
// machine's readings (QoS 1, a sequence number in each timestamp) to the real
// Mosquitto, one of them 1e39 (finite as a double, not as a float32), and
// `gruwatch run` (a child process of the built CLI) must reject that reading at
// decode with a dead letter naming the field, store every other reading in its
// frame, score every complete window exactly once, and never drop the connection.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
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
import { mosquittoPub } from '../helpers/third-party-publishers.js';

const poisonSeq = 100;
const published = 200;

describeWithServer('mosquitto', 'a poison value mid-stream', (mosquitto) => {
  it('rejects 1e39 at decode, stores and scores everything else, and never reconnects', async () => {
    const { dir, dataDir } = await prepareSmallService('gruwatch-poison-');

    const site = uniqueName('site');
    const assetId = 'machine-1';
    const deadLetters = join(dir, 'dead-letters.jsonl');
    const httpPort = await freePort();
    const configFile = join(dir, 'gruwatch.yaml');
    writeFileSync(
      configFile,
      JSON.stringify(
        smallServiceConfig(dataDir, httpPort, {
          mqtt: {
            url: mosquitto.url,
            clientId: uniqueName('gruwatch-poison'),
            topics: [`plants/${site}/{asset}/telemetry`],
          },
          deadLetter: { type: 'file', path: deadLetters },
        }),
      ),
    );
    const logs = join(testArtifactsDir, 'poison-values');
    mkdirSync(logs, { recursive: true });
    const logFile = join(logs, 'gruwatch.log');
    const child = spawnGruwatch(['run', '-c', configFile], logFile);
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    onTeardown(() => child.kill('SIGKILL'));
    await waitFor(async () => (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).ok, {
      what: 'gruwatch ready',
      timeoutMs: 30_000,
    });

    // Readings of the last minutes (event time from the data), one message per reading.
    const t0 = Math.floor(Date.now() / smallPeriodMs) * smallPeriodMs - 10 * 60_000;
    const lines: string[] = [];
    for (let seq = 0; seq < published; seq++)
      for (const channel of smallChannels) {
        const value = seq === poisonSeq && channel === 'a' ? '1e39' : String(smallValue(channel, seq));
        lines.push(
          `{"asset":"${assetId}","channel":"${channel}","ts":${t0 + seq * smallPeriodMs},"value":${value}}`,
        );
      }
    await mosquittoPub(mosquitto.url, `plants/${site}/${assetId}/telemetry`, lines);

    // The watermark lags the newest reading by latenessMs: frames up to a few seconds before the end are final.
    const lastChecked = published - 5;
    await waitFor(
      () => readStore(dataDir, assetId).frames.some((f) => f.atMs >= t0 + lastChecked * smallPeriodMs),
      { what: 'frames up to the end of the stream', timeoutMs: 60_000 },
    );
    expect(await metricSum(httpPort, 'ingest_messages_rejected_total')).toBe(1);
    expect(await metricSum(httpPort, 'detector_window_failures_total')).toBe(0);
    child.kill('SIGTERM');
    await exited;

    const { frames, scoreAtMs } = readStore(dataDir, assetId);
    let checked = 0;
    for (let seq = 0; seq <= lastChecked; seq++) {
      const frame = frames.find((f) => f.atMs === t0 + seq * smallPeriodMs);
      expect(frame, `frame of sequence ${seq}`).toBeDefined();
      expect(frame!.state).toBe('ok');
      // The rejected reading's cell holds channel a's previous value (maxHoldMs), never Infinity.
      const expectedA = seq === poisonSeq ? smallValue('a', seq - 1) : smallValue('a', seq);
      expect([frame!.values[0], frame!.values[1]]).toEqual([expectedA, smallValue('b', seq)]);
      checked++;
    }
    expect(checked).toBe(lastChecked + 1);
    expect(frames.every((f) => f.values.every((v) => Number.isNaN(v) || Number.isFinite(v)))).toBe(true);

    // Every complete window scored exactly once, the one over the poisoned second included.
    const ends = expectedWindowEnds(frames);
    expect(ends.length).toBeGreaterThan(40);
    expect(scoreAtMs).toEqual(ends);
    expect(
      ends.some((e) => e >= t0 + poisonSeq * smallPeriodMs && e < t0 + (poisonSeq + 16) * smallPeriodMs),
    ).toBe(true);

    // Rejected once, dead-lettered naming the field; the connection was never dropped.
    const letters = readFileSync(deadLetters, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { reason: string; field?: string; message: string });
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ reason: 'invalid_value', field: 'value' });
    expect(letters[0].message).toContain('float32');
    const log = readFileSync(logFile, 'utf8');
    expect(log.match(/Connected to the MQTT broker\./g)).toHaveLength(1);
    expect(log).not.toContain('reconnecting');
    expect(log).not.toContain('Could not judge a window');
    process.stdout.write(
      `poison value: ${published * 2} readings published, 1 rejected and dead-lettered, ${checked} frames checked, ${scoreAtMs.length} windows scored once\n`,
    );
  });
});
