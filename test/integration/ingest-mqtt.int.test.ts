// The MQTT source against the real Mosquitto: aligned windows with checked
// values, no reading lost across a broker restart or a source restart with a
// persistent QoS 1 session, TLS with a password, and undecodable messages
// dead-lettered while the stream goes on.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { createSilentLogger, MemoryTelemetry, systemClock } from '../../core/index.js';
import { ingestConfigSchema, type MqttConfig, mqttConfigSchema } from '../../ingest/config.js';
import { decoderConfigSchema, jsonDecoderConfigSchema } from '../../ingest/decode/config.js';
import type { AssetSignal } from '../../ingest/decode/decoder.js';
import { buildSparkplugPayloads, createDecoder } from '../../ingest/decode/index.js';
import { createJsonDecoder } from '../../ingest/decode/json-decoder.js';
import { createIngest } from '../../ingest/ingest-pipeline.js';
import { createMqttSource, type MqttSourceConfig } from '../../ingest/mqtt/mqtt-source.js';
import type { SourceDelivery } from '../../ingest/source.js';
import {
  describeWithServer,
  onTeardown,
  restartServer,
  uniqueName,
  waitFor,
} from '../helpers/integration.js';
import { envPrefix, readServicesEnvFile } from '../helpers/services.js';
import { mosquittoPub } from '../helpers/third-party-publishers.js';

/** GRUWATCH_TEST_<KEY> variables, as <KEY>, for settings the endpoint helpers do not carry. */
function testEnvOverrides(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith(envPrefix) && v !== undefined) out[k.slice(envPrefix.length)] = v;
  }
  return out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const decoder = createJsonDecoder(jsonDecoderConfigSchema.parse({ type: 'json' }));

type ConfigInput = Omit<Partial<MqttConfig>, 'password'> &
  Pick<MqttConfig, 'url' | 'topics'> & { password?: string };

function sourceConfig(overrides: ConfigInput): MqttSourceConfig {
  return mqttConfigSchema.parse({
    clientId: uniqueName('gw-src'),
    reconnect: { initialDelayMs: 200, maxDelayMs: 1000 },
    ...overrides,
  });
}

function startSource(
  config: MqttSourceConfig,
  onDelivery: (d: SourceDelivery) => void | Promise<void>,
  telemetry = new MemoryTelemetry(),
) {
  const source = createMqttSource(config, {
    decoder,
    logger: createSilentLogger(),
    clock: systemClock,
    telemetry,
  });
  onTeardown(() => source.stop());
  return {
    source,
    telemetry,
    started: source.start(async (d) => {
      await onDelivery(d);
    }),
  };
}

async function publisher(url: string, options: mqtt.IClientOptions = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 200, ...options });
  onTeardown(() => client.endAsync(true));
  return client;
}

/**
 * A time on the period grid a minute ago, so the decoder's plausibility window accepts it. It falls
 * on a multiple of 4 cells, so windows (which end on every hop-th cell of the grid) end at the same
 * frames after it in every run.
 */
function gridBaseMs(): number {
  return Math.floor(Date.now() / 4000) * 4000 - 60_000;
}

describeWithServer('mosquitto', 'MQTT source against Mosquitto', (broker) => {
  it('turns published readings into aligned windows with the published values', async () => {
    const prefix = uniqueName('plant');
    const windows: { startMs: number; values: number[]; state: string }[] = [];
    const config = ingestConfigSchema.parse({
      mqtt: { url: broker.url, clientId: uniqueName('gw-src'), topics: [`${prefix}/{asset}/{channel}`] },
      decoder: { type: 'json' },
      assets: [{ match: 'pump-*', channels: ['flow', 'temp'] }],
      align: { periodMs: 1000, fill: 'last', maxHoldMs: 0, latenessMs: 0, idleFlushMs: 60_000 },
      window: { T: 4, hop: 2 },
    });
    const ingest = createIngest(config, {
      logger: createSilentLogger(),
      clock: systemClock,
      onWindow: (w) => {
        windows.push({ startMs: w.startMs, values: [...w.values], state: w.state });
      },
    });
    onTeardown(() => ingest.stop());
    await ingest.start();
    const pub = await publisher(broker.url);
    const base = gridBaseMs();
    for (let k = 0; k < 11; k++) {
      await pub.publishAsync(
        `${prefix}/pump-1/temp`,
        JSON.stringify({ ts: base + k * 1000 + 300, value: 50 + k }),
        { qos: 1 },
      );
      await pub.publishAsync(
        `${prefix}/pump-1/flow`,
        JSON.stringify({ ts: base + k * 1000 + 100, value: k / 2 }),
        { qos: 1 },
      );
    }
    await waitFor(() => windows.length >= 4, { what: 'four windows' });
    // Frames 0..9 are final (frame 10 waits for the watermark); T=4, hop=2 → windows end after frames 3, 5, 7, 9.
    expect(windows.map((w) => w.startMs)).toEqual([0, 2000, 4000, 6000].map((d) => base + d));
    for (const [n, w] of windows.entries()) {
      const expected = [];
      for (let k = 2 * n; k < 2 * n + 4; k++) expected.push(k / 2, 50 + k);
      expect(w.values).toEqual(expected);
      expect(w.state).toBe('ok');
    }
  });

  it('loses no QoS 1 reading when Mosquitto restarts mid-stream or the source restarts with its session', async () => {
    const prefix = uniqueName('plant');
    const clientId = uniqueName('gw-persistent');
    const seen = new Set<number>();
    // A slow pipeline (one message per 10 ms, however many are taken at once) keeps a backlog queued
    // for the source while the broker restarts.
    let delayMs = 10;
    let pipeline: Promise<void> = Promise.resolve();
    const onDelivery = (d: SourceDelivery) => {
      pipeline = pipeline.then(async () => {
        if (delayMs > 0) await sleep(delayMs);
        for (const r of d.readings) seen.add(r.value);
      });
      return pipeline;
    };
    const config = sourceConfig({
      url: broker.url,
      clientId,
      isSessionPersistent: true,
      sessionExpirySecs: 600,
      topics: [`${prefix}/{asset}/{channel}`],
    });
    const first = startSource(config, onDelivery);
    await first.started;
    // The publisher keeps its own session too, so its unacknowledged publishes survive the restart.
    const pub = await publisher(broker.url, { clientId: uniqueName('gw-pub'), clean: false });
    const base = gridBaseMs();
    const publish = (n: number) =>
      pub.publishAsync(`${prefix}/pump-1/flow`, JSON.stringify({ ts: base + n, value: n }), { qos: 1 });

    const total = 600;
    const sends: Promise<unknown>[] = [];
    for (let n = 0; n < 300; n++) sends.push(publish(n));
    await Promise.all(sends);
    const restart = restartServer('mosquitto');
    await waitFor(() => !pub.connected, { what: 'the broker to go down' });
    const deliveredBeforeRestart = seen.size;
    for (let n = 300; n < total; n++) sends.push(publish(n)); // queued by the publisher while the broker is down
    await restart;
    delayMs = 0;
    await Promise.all(sends);
    await waitFor(() => seen.size === total || undefined, {
      what: `all ${total} readings`,
      timeoutMs: 60_000,
    });
    // The restart really happened in the middle: part of the first 300 was still queued for the source.
    expect(deliveredBeforeRestart).toBeLessThan(300);

    // The source stops while messages stream in (slow pipeline again, so some are queued for it);
    // what it did not acknowledge, and what is published while it is stopped, waits in its session.
    delayMs = 5;
    const late: Promise<unknown>[] = [];
    for (let n = total; n < total + 50; n++) late.push(publish(n));
    await waitFor(() => seen.size > total || undefined, { what: 'the stream to resume' });
    const stopStartedMs = Date.now();
    await first.source.stop();
    expect(Date.now() - stopStartedMs).toBeLessThan(2500); // no hang on the unacknowledged backlog
    for (let n = total + 50; n < total + 100; n++) late.push(publish(n));
    await Promise.all(late);
    delayMs = 0;
    const second = startSource(config, onDelivery);
    await second.started;
    await waitFor(() => seen.size === total + 100 || undefined, {
      what: 'the readings published while stopped',
    });
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: total + 100 }, (_, n) => n));
  });

  it('gets a message again after the pipeline failed it, without acknowledging it first', async () => {
    const prefix = uniqueName('plant');
    const attempts = new Map<number, number>();
    const { started } = startSource(
      sourceConfig({ url: broker.url, topics: [`${prefix}/{asset}/{channel}`], sessionExpirySecs: 600 }),
      async (d) => {
        for (const r of d.readings) {
          const n = (attempts.get(r.value) ?? 0) + 1;
          attempts.set(r.value, n);
          if (r.value === 3 && n === 1) throw new Error('sink unavailable');
        }
      },
    );
    await started;
    const pub = await publisher(broker.url);
    const base = gridBaseMs();
    for (let n = 0; n < 10; n++) {
      await pub.publishAsync(`${prefix}/pump-1/flow`, JSON.stringify({ ts: base + n, value: n }), { qos: 1 });
    }
    await waitFor(() => (attempts.get(3) ?? 0) >= 2 && attempts.size === 10, {
      what: 'message 3 again and all ten messages',
    });
    expect([...attempts.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, n) => n));
  });

  it('takes up to receiveMaximum messages before acknowledging, acknowledges in order only what resolved', async () => {
    const clientId = uniqueName('gw-window');
    const prefix = uniqueName('window');
    const config = sourceConfig({
      url: broker.url,
      clientId,
      topics: [`${prefix}/{asset}/{channel}`],
      sessionExpirySecs: 600,
      receiveMaximum: 5,
    });
    /** Every delivery in arrival order, with the settle functions of its work. */
    const taken: { value: number; resolve: () => void; reject: (err: Error) => void }[] = [];
    let isHolding = true;
    const first = startSource(config, (d) => {
      const value = d.readings[0]!.value;
      return new Promise<void>((resolve, reject) => {
        taken.push({ value, resolve, reject });
        if (!isHolding) resolve();
      });
    });
    await first.started;
    const base = gridBaseMs();
    // More messages than two windows, so that some reach the connection after the failure below.
    const lines = Array.from({ length: 20 }, (_, n) => JSON.stringify({ ts: base + n, value: n }));
    await mosquittoPub(broker.url, `${prefix}/pump-1/flow`, lines);
    const values = () => taken.map((t) => t.value);

    // Five taken at once, none yet acknowledged: the window holds the sixth.
    await waitFor(() => taken.length >= 5, { what: 'five messages in flight' });
    await sleep(500);
    expect(values()).toEqual([0, 1, 2, 3, 4]);
    // Later ones done first: nothing is acknowledged ahead of message 0, so nothing more comes.
    for (const t of taken.slice(1)) t.resolve();
    await sleep(500);
    expect(taken).toHaveLength(5);
    // Message 0 done: all five acknowledged in order, and the next five come.
    taken[0]!.resolve();
    await waitFor(() => taken.length >= 10, { what: 'messages 5 to 9' });
    expect(values().slice(5)).toEqual([5, 6, 7, 8, 9]);

    // Message 7 fails after 5 and 6 are done: 5 and 6 are acknowledged, 7 and what follows it on
    // that connection are not (8 and 9 although done), so the broker sends them again on the next
    // connection, and what the dropped connection still brought after the failure is left to it.
    taken[5]!.resolve();
    taken[6]!.resolve();
    taken[8]!.resolve();
    taken[9]!.resolve();
    taken[7]!.reject(new Error('sink unavailable'));
    await waitFor(() => taken.filter((t) => t.value === 7).length >= 2, {
      what: 'message 7 again, on the next connection',
      timeoutMs: 15_000,
    });
    // Everything from here on is done at once.
    isHolding = false;
    for (const t of taken.slice(10)) t.resolve();
    const again7 = values().lastIndexOf(7);
    const after = Array.from({ length: 13 }, (_, n) => 7 + n);
    await waitFor(() => after.every((v) => values().lastIndexOf(v) >= again7), {
      what: 'messages 7 to 19 on the next connection',
    });
    const counts = new Map<number, number>();
    for (const v of values()) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect([0, 1, 2, 3, 4, 5, 6].map((v) => counts.get(v))).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect([7, 8, 9].map((v) => counts.get(v))).toEqual([2, 2, 2]);
    // Taken at most once on the dropped connection (only while it still held the window) and once again.
    expect(after.filter((v) => counts.get(v)! > 2)).toEqual([]);
    await sleep(500);
    await first.source.stop();

    // The same persistent session again: everything was acknowledged, so nothing comes back.
    const again: number[] = [];
    const second = startSource(config, (d) => {
      again.push(d.readings[0]!.value);
    });
    await second.started;
    await sleep(1_500);
    expect(again).toEqual([]);
  }, 60_000);

  it('publishes the rebirth request a Sparkplug sequence gap calls for, and passes the unknown signal on', async () => {
    const group = uniqueName('g');
    const payloads = buildSparkplugPayloads({ assets: 1, channels: 2, ticks: 4 });
    const toGroup = (topic: string) => topic.replace('spBv1.0/plant/', `spBv1.0/${group}/`);
    const signals: AssetSignal[] = [];
    const source = createMqttSource(
      sourceConfig({ url: broker.url, topics: [`spBv1.0/${group}/#`], isSessionPersistent: false }),
      {
        decoder: createDecoder(decoderConfigSchema.parse({ type: 'sparkplug-b', isRebirthRequested: true })),
        logger: createSilentLogger(),
        clock: systemClock,
      },
    );
    onTeardown(() => source.stop());
    await source.start(async (d) => {
      signals.push(...d.signals);
    });
    const watcher = await publisher(broker.url);
    const commands: string[] = [];
    watcher.on('message', (topic) => commands.push(topic));
    await watcher.subscribeAsync(`spBv1.0/${group}/NCMD/#`, { qos: 0 });
    for (const m of payloads.setup)
      await watcher.publishAsync(toGroup(m.context.topic), Buffer.from(m.payload), { qos: 1 });
    // messages[0] has seq 2 (right after the births); messages[2] has seq 4: two were lost
    const gap = payloads.messages[2];
    await watcher.publishAsync(toGroup(gap.context.topic), Buffer.from(gap.payload), { qos: 1 });
    await waitFor(() => commands.length > 0, { what: 'the NCMD rebirth request' });
    expect(commands[0]).toBe(`spBv1.0/${group}/NCMD/edge-0`);
    await waitFor(() => signals.some((s) => s.kind === 'unknown'), { what: 'the unknown signal' });
  });

  it('splits the messages of a shared subscription between two instances (MQTT 5 $share)', async () => {
    const prefix = uniqueName('plant');
    const group = uniqueName('gw-share');
    const got: number[][] = [[], []];
    const sources = got.map((values) =>
      startSource(
        sourceConfig({
          url: broker.url,
          topics: [`${prefix}/{asset}/{channel}`],
          sharedGroup: group,
          isSessionPersistent: false,
        }),
        (d) => {
          values.push(...d.readings.map((r) => r.value));
        },
      ),
    );
    await Promise.all(sources.map((s) => s.started));
    const pub = await publisher(broker.url);
    const base = gridBaseMs();
    await Promise.all(
      Array.from({ length: 200 }, (_, n) =>
        pub.publishAsync(`${prefix}/pump-${n % 5}/flow`, JSON.stringify({ ts: base + n, value: n }), {
          qos: 1,
        }),
      ),
    );
    await waitFor(() => got[0].length + got[1].length >= 200 || undefined, {
      what: 'all 200 shared readings',
    });
    expect(got[0].length).toBeGreaterThan(0);
    expect(got[1].length).toBeGreaterThan(0);
    expect([...got[0], ...got[1]].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, n) => n));
  });

  it('keeps a persistent MQTT 3.1.1 session and announces itself on the retained status topic', async () => {
    const prefix = uniqueName('plant');
    const statusTopic = `${prefix}/status`;
    const config = sourceConfig({
      url: broker.url,
      protocolVersion: 4,
      topics: [`${prefix}/{asset}/{channel}`],
      statusTopic,
    });
    const values: number[] = [];
    const first = startSource(config, (d) => {
      values.push(...d.readings.map((r) => r.value));
    });
    await first.started;
    const watcher = await publisher(broker.url);
    const statuses: string[] = [];
    watcher.on('message', (topic, payload) => {
      if (topic === statusTopic) statuses.push(payload.toString());
    });
    await watcher.subscribeAsync(statusTopic, { qos: 1 });
    await waitFor(() => statuses.includes('online'), { what: 'the retained online status' });
    await first.source.stop();
    await waitFor(() => statuses.at(-1) === 'offline', { what: 'the offline status after stop' });

    const pub = await publisher(broker.url);
    const base = gridBaseMs();
    for (let n = 0; n < 20; n++) {
      await pub.publishAsync(`${prefix}/pump-1/flow`, JSON.stringify({ ts: base + n, value: n }), { qos: 1 });
    }
    const second = startSource(config, (d) => {
      values.push(...d.readings.map((r) => r.value));
    });
    await second.started;
    await waitFor(() => values.length >= 20 || undefined, { what: 'readings queued in the 3.1.1 session' });
    expect(values).toEqual(Array.from({ length: 20 }, (_, n) => n));
    await waitFor(() => statuses.at(-1) === 'online', { what: 'online again' });
  });

  it('connects over TLS with a user name and password', async () => {
    const prefix = uniqueName('plant');
    const readings: number[] = [];
    const { started } = startSource(
      sourceConfig({
        url: broker.tlsUrl,
        topics: [`${prefix}/{asset}/{channel}`],
        username: broker.username,
        password: broker.password,
        tls: { caFile: broker.caFile, isServerVerified: true },
        isSessionPersistent: false,
      }),
      (d) => {
        readings.push(...d.readings.map((r) => r.value));
      },
    );
    await started;
    const pub = await publisher(broker.url);
    await pub.publishAsync(`${prefix}/pump-1/flow`, JSON.stringify({ ts: gridBaseMs(), value: 42 }), {
      qos: 1,
    });
    await waitFor(() => readings.length > 0, { what: 'a reading over TLS' });
    expect(readings).toEqual([42]);
  });

  it('rejects start() with a coded error when the broker refuses the credentials', async () => {
    const { started } = startSource(
      sourceConfig({
        url: broker.authUrl,
        topics: ['x/{asset}/{channel}'],
        username: broker.username,
        password: 'not-the-password',
        isSessionPersistent: false,
      }),
      () => {},
    );
    await expect(started).rejects.toMatchObject({ code: 'INGEST_SOURCE_FAILED', retriable: false });
  });

  it('connects with a client certificate (mutual TLS)', async () => {
    const env = { ...readServicesEnvFile(), ...testEnvOverrides() };
    const prefix = uniqueName('plant');
    const readings: number[] = [];
    const { started } = startSource(
      sourceConfig({
        url: env.MOSQUITTO_MTLS_URL ?? 'mqtts://127.0.0.1:18834',
        topics: [`${prefix}/{asset}/{channel}`],
        tls: {
          caFile: broker.caFile,
          certFile: env.MOSQUITTO_CLIENT_CERT_FILE,
          keyFile: env.MOSQUITTO_CLIENT_KEY_FILE,
          isServerVerified: true,
        },
        isSessionPersistent: false,
      }),
      (d) => {
        readings.push(...d.readings.map((r) => r.value));
      },
    );
    await started;
    const pub = await publisher(broker.url);
    await pub.publishAsync(`${prefix}/pump-1/flow`, JSON.stringify({ ts: gridBaseMs(), value: 5 }), {
      qos: 1,
    });
    await waitFor(() => readings.length > 0, { what: 'a reading over mutual TLS' });
    expect(readings).toEqual([5]);
  });

  it('publishes dead letters to the configured MQTT topic', async () => {
    const prefix = uniqueName('plant');
    const deadTopic = `${prefix}/dead`;
    const watcher = await publisher(broker.url);
    const letters: Record<string, unknown>[] = [];
    watcher.on('message', (topic, payload) => {
      if (topic === deadTopic) letters.push(JSON.parse(payload.toString()));
    });
    await watcher.subscribeAsync(deadTopic, { qos: 1 });
    const { started } = startSource(
      {
        ...sourceConfig({
          url: broker.url,
          topics: [`${prefix}/{asset}/{channel}`],
          isSessionPersistent: false,
        }),
        deadLetter: { type: 'mqtt', topic: deadTopic },
      },
      () => {},
    );
    await started;
    await watcher.publishAsync(`${prefix}/pump-1/flow`, '{"value": "high"}', { qos: 1 });
    await waitFor(() => letters.length > 0, { what: 'the dead letter on the topic' });
    expect(letters[0]).toMatchObject({ transport: 'mqtt', topic: `${prefix}/pump-1/flow` });
    expect(Buffer.from(String(letters[0].payloadBase64), 'base64').toString()).toBe('{"value": "high"}');
    expect(String(letters[0].message).length).toBeGreaterThan(0);
  });

  it('dead-letters an undecodable message to the file, counts it, and keeps the stream flowing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gw-dl-'));
    onTeardown(() => rm(dir, { recursive: true, force: true }));
    const prefix = uniqueName('plant');
    const values: number[] = [];
    const telemetry = new MemoryTelemetry();
    const { started } = startSource(
      {
        ...sourceConfig({
          url: broker.url,
          topics: [`${prefix}/{asset}/{channel}`],
          isSessionPersistent: false,
        }),
        deadLetter: { type: 'file', path: join(dir, 'dl.jsonl'), maxFileBytes: 1 << 20, maxFiles: 2 },
      },
      (d) => {
        values.push(...d.readings.map((r) => r.value));
      },
      telemetry,
    );
    await started;
    const pub = await publisher(broker.url);
    await pub.publishAsync(`${prefix}/pump-1/flow`, '{"ts": 1, "value": ', { qos: 1 });
    await pub.publishAsync(`${prefix}/pump-1/flow`, JSON.stringify({ ts: gridBaseMs(), value: 7 }), {
      qos: 1,
    });
    await waitFor(() => values.length > 0, { what: 'the good reading after the bad one' });
    expect(values).toEqual([7]);
    expect(
      telemetry.get('ingest_messages_rejected_total', { transport: 'mqtt', reason: 'invalid_json' }),
    ).toBe(1);
    // The good message may be handled while the bad one's copy is still being written.
    const lines = await waitFor(
      async () => {
        const text = await readFile(join(dir, 'dl.jsonl'), 'utf8').catch(() => '');
        return text.trim() === ''
          ? undefined
          : text
              .trim()
              .split('\n')
              .map((l) => JSON.parse(l));
      },
      { what: 'the dead letter in the file' },
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      transport: 'mqtt',
      topic: `${prefix}/pump-1/flow`,
      reason: 'invalid_json',
    });
    expect(Buffer.from(lines[0].payloadBase64, 'base64').toString()).toBe('{"ts": 1, "value": ');
  });

  it('dead-letters the messages of a new asset beyond ingest.maxAssets, counts them, and keeps the tracked ones flowing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gw-limit-'));
    onTeardown(() => rm(dir, { recursive: true, force: true }));
    const prefix = uniqueName('plant');
    const path = join(dir, 'dl.jsonl');
    const config = ingestConfigSchema.parse({
      mqtt: sourceConfig({
        url: broker.url,
        topics: [`${prefix}/{asset}/{channel}`],
        isSessionPersistent: false,
      }),
      decoder: { type: 'json' },
      assets: [{ match: '*', channels: ['flow'] }],
      align: { periodMs: 1000, fill: 'last', maxHoldMs: 0, latenessMs: 0, idleFlushMs: 60_000 },
      window: { T: 2, hop: 1 },
      deadLetter: { type: 'file', path, maxFileBytes: 1 << 20, maxFiles: 2 },
      maxAssets: 2,
    });
    const telemetry = new MemoryTelemetry();
    const frames: string[] = [];
    const ingest = createIngest(config, {
      logger: createSilentLogger(),
      clock: systemClock,
      telemetry,
      onFrame: (f) => frames.push(f.assetId),
      onWindow: () => {},
    });
    onTeardown(() => ingest.stop());
    await ingest.start();
    const pub = await publisher(broker.url);
    const base = gridBaseMs();
    for (let k = 0; k < 4; k++)
      for (const asset of ['pump-1', 'pump-2', 'intruder-7'])
        await pub.publishAsync(`${prefix}/${asset}/flow`, JSON.stringify({ ts: base + k * 1000, value: k }), {
          qos: 1,
        });
    await waitFor(() => telemetry.get('ingest_readings_dropped_total', { reason: 'asset_limit' }) === 4, {
      what: 'the four readings of the third asset refused',
    });
    await waitFor(() => frames.filter((a) => a === 'pump-2').length >= 3, {
      what: 'frames of the tracked assets',
    });
    expect(ingest.trackedAssets).toBe(2);
    expect(frames).not.toContain('intruder-7');
    const lines = (await readFile(path, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({ topic: `${prefix}/intruder-7/flow`, reason: 'asset_limit' });
    expect(lines[0].message).toContain('ingest.maxAssets (2)');
  });
});

describe('MQTT source config', () => {
  it('requires a client id for a persistent session, naming both keys', () => {
    const result = mqttConfigSchema.safeParse({ url: 'mqtt://127.0.0.1:1', topics: ['a/{asset}'] });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].message).toMatch(
      '`mqtt.isSessionPersistent` requires a fixed `mqtt.clientId`',
    );
  });
});

describe('MQTT source against a broker that is slow to acknowledge', () => {
  it('handles what the broker sends again after a failed delivery, also before mqtt.js reports the new connection up', async () => {
    // A broker in this process (aedes, MQTT 3.1.1) that holds back the PUBACK of every dead letter
    // while `isHoldingDeadLetters`: when the source's connection drops, mqtt.js still has a dead
    // letter to send, sends it again on the next connection and reports that connection up only
    // once it is acknowledged. The broker sends the session's unacknowledged messages before that.
    const prefix = uniqueName('slow-ack');
    const deadTopic = `${prefix}/dead`;
    let isHoldingDeadLetters = true;
    const held: (() => void)[] = [];
    const aedes = await Aedes.createBroker({
      authorizePublish: (_client, packet, done) => {
        if (packet.topic === deadTopic && isHoldingDeadLetters) held.push(() => done(null));
        else done(null);
      },
    });
    const server = createServer(aedes.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    onTeardown(async () => {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const seen: number[] = [];
    let hasFailed = false;
    const { started } = startSource(
      {
        ...sourceConfig({
          url,
          protocolVersion: 4,
          topics: [`${prefix}/{asset}/{channel}`],
          receiveMaximum: 5,
        }),
        deadLetter: { type: 'mqtt', topic: deadTopic },
      },
      async (d) => {
        const value = d.readings[0]!.value;
        if (value === 3 && !hasFailed) {
          hasFailed = true;
          throw new Error('sink unavailable');
        }
        seen.push(value);
      },
    );
    await started;
    const sender = await publisher(url, { protocolVersion: 4 });
    const base = gridBaseMs();
    // Message 0 cannot be decoded: its dead letter goes out on the connection that then fails.
    await sender.publishAsync(`${prefix}/pump-1/flow`, '{"value": "high"}', { qos: 1 });
    await waitFor(() => held.length > 0, { what: 'the dead letter at the broker, not yet acknowledged' });
    for (let n = 1; n < 10; n++)
      await sender.publishAsync(`${prefix}/pump-1/flow`, JSON.stringify({ ts: base + n, value: n }), {
        qos: 1,
      });
    await waitFor(() => hasFailed, { what: 'the failed delivery' });
    await sleep(1_000);
    isHoldingDeadLetters = false;
    for (const release of held.splice(0)) release();
    await waitFor(() => [3, 4, 5, 6, 7, 8, 9].every((v) => seen.includes(v)), {
      what: 'messages 3 to 9 after the failure',
      timeoutMs: 15_000,
    });
    expect(seen.filter((v) => v < 3)).toEqual([1, 2]);
  });
});
