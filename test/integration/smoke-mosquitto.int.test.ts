// Smoke test of the local Mosquitto that deploy/local/services starts: QoS 1 round trips on
// every listener with MQTT 5 and 3.1.1, and the refusals that prove auth and TLS are really on.
import { readFileSync } from 'node:fs';
import { connectAsync, connect as connectClient, type IClientOptions, type MqttClient } from 'mqtt';
import { expect, it } from 'vitest';
import {
  describeWithServer,
  onTeardown,
  restartServer,
  uniqueName,
  waitFor,
} from '../helpers/integration.js';
import { readServicesEnvFile } from '../helpers/services.js';

type ProtocolVersion = 4 | 5;
const protocols: { version: ProtocolVersion; label: string }[] = [
  { version: 5, label: 'MQTT 5' },
  { version: 4, label: 'MQTT 3.1.1' },
];

async function connect(url: string, options: IClientOptions): Promise<MqttClient> {
  const client = await connectAsync(url, {
    clientId: uniqueName('smoke'),
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    ...options,
  });
  onTeardown(() => client.endAsync(true));
  return client;
}

interface Received {
  topic: string;
  payload: string;
  qos: number;
}

/** Subscribes with QoS 1, publishes with QoS 1 from a second client, returns what arrived. */
async function roundTrip(
  url: string,
  options: IClientOptions,
): Promise<{ sent: string; received: Received[] }> {
  const topic = `gruwatch/smoke/${uniqueName('t')}`;
  const subscriber = await connect(url, options);
  const received: Received[] = [];
  subscriber.on('message', (t, payload, packet) => {
    received.push({ topic: t, payload: payload.toString('utf8'), qos: packet.qos });
  });
  const granted = await subscriber.subscribeAsync(topic, { qos: 1 });
  expect(granted.map((g) => g.qos)).toEqual([1]);
  const publisher = await connect(url, options);
  const sent = `reading ${uniqueName('v')}`;
  await publisher.publishAsync(topic, sent, { qos: 1 });
  await waitFor(() => received.length > 0, { what: `the QoS 1 message on ${topic}` });
  return { sent, received };
}

/** Connects expecting a refusal; returns the error mqtt.js reported. */
async function refusal(url: string, options: IClientOptions): Promise<Error & { code?: number | string }> {
  try {
    const client = await connect(url, options);
    throw new Error(`connection to ${url} was accepted (client ${client.options.clientId})`);
  } catch (err) {
    return err as Error & { code?: number | string };
  }
}

describeWithServer('mosquitto', 'local Mosquitto', (mosquitto) => {
  const ca = (): Buffer => readFileSync(mosquitto.caFile);

  for (const { version, label } of protocols) {
    it(`delivers a QoS 1 message on the anonymous listener (${label})`, async () => {
      const { sent, received } = await roundTrip(mosquitto.url, { protocolVersion: version });
      expect(received).toEqual([expect.objectContaining({ payload: sent, qos: 1 })]);
    });

    it(`delivers a QoS 1 message on the password listener (${label})`, async () => {
      const { sent, received } = await roundTrip(mosquitto.authUrl, {
        protocolVersion: version,
        username: mosquitto.username,
        password: mosquitto.password,
      });
      expect(received).toEqual([expect.objectContaining({ payload: sent, qos: 1 })]);
    });

    it(`delivers a QoS 1 message on the TLS listener, verifying the server certificate (${label})`, async () => {
      const { sent, received } = await roundTrip(mosquitto.tlsUrl, {
        protocolVersion: version,
        username: mosquitto.username,
        password: mosquitto.password,
        ca: ca(),
        rejectUnauthorized: true,
      });
      expect(received).toEqual([expect.objectContaining({ payload: sent, qos: 1 })]);
    });
  }

  it('refuses a wrong password with "Not authorized" (MQTT 5 reason code 135)', async () => {
    const err = await refusal(mosquitto.authUrl, {
      protocolVersion: 5,
      username: mosquitto.username,
      password: `${mosquitto.password}-wrong`,
    });
    expect(err.code).toBe(135);
    expect(err.message).toMatch(/Not authorized/i);
  });

  it('refuses a wrong password with return code 5 (MQTT 3.1.1)', async () => {
    const err = await refusal(mosquitto.authUrl, {
      protocolVersion: 4,
      username: mosquitto.username,
      password: `${mosquitto.password}-wrong`,
    });
    expect(err.code).toBe(5);
    expect(err.message).toMatch(/Not authorized/i);
  });

  it('refuses an anonymous client on the password listener', async () => {
    const err = await refusal(mosquitto.authUrl, { protocolVersion: 5 });
    expect(err.code).toBe(135);
  });

  it('fails the TLS handshake when the client does not trust the throwaway CA', async () => {
    const err = await refusal(mosquitto.tlsUrl, {
      protocolVersion: 5,
      username: mosquitto.username,
      password: mosquitto.password,
      rejectUnauthorized: true,
    });
    expect(String(err.code)).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/);
  });

  for (const { version, label } of protocols) {
    it(`keeps a persistent session's queued QoS 1 messages across a broker restart (${label})`, async () => {
      const topic = `gruwatch/smoke/${uniqueName('persist')}`;
      const clientId = uniqueName('persist');
      const session: IClientOptions =
        version === 5
          ? { protocolVersion: 5, clientId, clean: false, properties: { sessionExpiryInterval: 600 } }
          : { protocolVersion: 4, clientId, clean: false };
      const subscriber = await connect(mosquitto.url, session);
      await subscriber.subscribeAsync(topic, { qos: 1 });
      await subscriber.endAsync();

      const publisher = await connect(mosquitto.url, { protocolVersion: version });
      const sent = Array.from({ length: 5 }, (_, i) => `queued-${i}`);
      for (const payload of sent) await publisher.publishAsync(topic, payload, { qos: 1 });
      await publisher.endAsync();

      await restartServer('mosquitto');

      // The handler must be in place before CONNACK: queued messages follow it at once.
      const received: string[] = [];
      const resumed = connectClient(mosquitto.url, { ...session, reconnectPeriod: 0, connectTimeout: 5_000 });
      onTeardown(() => resumed.endAsync(true));
      resumed.on('message', (_topic, payload) => received.push(payload.toString('utf8')));
      const sessionPresent = await new Promise<boolean>((resolve, reject) => {
        resumed.once('connect', (connack) => resolve(connack.sessionPresent));
        resumed.once('error', reject);
      });
      expect(sessionPresent).toBe(true);
      await waitFor(() => received.length >= sent.length, {
        what: `${sent.length} queued messages on ${topic}`,
      });
      expect(received).toEqual(sent);
    });
  }

  // The client-certificate listener is an extra of deploy/local/services; its settings are
  // only in the env file.
  const file = readServicesEnvFile();
  const mtlsUrl = file.MOSQUITTO_MTLS_URL;
  const certFile = file.MOSQUITTO_CLIENT_CERT_FILE;
  const keyFile = file.MOSQUITTO_CLIENT_KEY_FILE;

  it('accepts a client certificate signed by the CA and refuses a client without one', async () => {
    expect(mtlsUrl, 'MOSQUITTO_MTLS_URL in services.env').toMatch(/^mqtts:/);
    const { sent, received } = await roundTrip(mtlsUrl, {
      protocolVersion: 5,
      ca: ca(),
      cert: readFileSync(certFile),
      key: readFileSync(keyFile),
    });
    expect(received).toEqual([expect.objectContaining({ payload: sent, qos: 1 })]);
    const err = await refusal(mtlsUrl, { protocolVersion: 5, ca: ca(), connectTimeout: 3_000 });
    expect(String(err.code)).toMatch(/CERTIFICATE_REQUIRED|ECONNRESET|EPIPE/);
  });
});
