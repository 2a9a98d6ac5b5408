// One connection of the MQTT source: connects with capped exponential back-off, subscribes, and
// hands each message to the source, sending its PUBACK only after the source's promise resolved
// and in the order the messages came (ordered-acks.ts). At most `receiveMaximum` messages wait for
// their PUBACK; beyond that mqtt.js reads no further packet, so a slow pipeline backs up into TCP
// flow control (and, on MQTT 5, into the broker's queue), not memory.
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { type Logger, PipelineError, type RateLimitedLog } from '../../core/index.js';
import { type MqttConfig, receiveMaximumOf } from '../config.js';
import { createOrderedAcks } from './ordered-acks.js';

// CONNACK reason codes that retrying cannot fix (MQTT 3.1.1 §3.2.2.3, MQTT 5 §3.2.2.2).
const permanentConnackCodes = new Set([1, 2, 4, 5, 128, 130, 132, 133, 134, 135, 138, 140]);

export interface MqttConnectionSettings {
  config: MqttConfig;
  clientId: string;
  /** The filters this connection subscribes to. */
  filters: readonly string[];
  /**
   * The other form of the same filters (plain or shared), which a persistent session may still
   * hold from a run with another number of connections; unsubscribed once subscribed, so that no
   * message comes twice.
   */
  staleFilters: readonly string[];
  /** The status topic, on the connection that carries it (its will and its `online`). */
  statusTopic?: string;
  log: Logger;
  rateLimitedLog: RateLimitedLog;
}

export interface MqttConnection {
  readonly client: MqttClient;
  /** Resolves after the first connection and subscription; rejects on refused credentials or subscriptions. */
  readonly started: Promise<void>;
  /** Settles once every delivery taken so far is acknowledged or failed. */
  inFlight(): Promise<void>;
  isLive(): boolean;
}

/** Handles one message; the connection acknowledges it once this resolves, and reconnects if it rejects. */
export type MessageHandler = (packet: IPublishPacket, client: MqttClient) => Promise<void> | undefined;

export function clientOptions(settings: MqttConnectionSettings): IClientOptions {
  const { config, clientId, statusTopic } = settings;
  const options: IClientOptions = {
    clientId,
    protocolVersion: config.protocolVersion,
    clean: !config.isSessionPersistent,
    keepalive: config.keepaliveSecs,
    connectTimeout: config.connectTimeoutMs,
    reconnectPeriod: config.reconnect.initialDelayMs,
    resubscribe: true,
  };
  if (statusTopic !== undefined)
    options.will = { topic: statusTopic, payload: Buffer.from('offline'), qos: 1, retain: true };
  if (config.protocolVersion === 5) {
    options.properties = {};
    // A window above one is announced (MQTT 5 flow control), so that the broker sends that many
    // messages ahead. A window of one is not: the broker keeps its own number on the way and TCP
    // holds them. Told 1, Mosquitto sends each message only once the PUBACK before it arrived, and
    // four connections of one shared subscription, restarted with a backlog, handed an asset's
    // readings over out of order by more than the lateness (mqtt-connections.int.test.ts).
    const receiveMaximum = receiveMaximumOf(config);
    if (receiveMaximum > 1) options.properties.receiveMaximum = receiveMaximum;
    if (config.isSessionPersistent) options.properties.sessionExpiryInterval = config.sessionExpirySecs;
  }
  if (config.username !== undefined) options.username = config.username;
  if (config.password !== undefined) options.password = config.password.reveal();
  if (config.tls !== undefined) {
    const tls = config.tls;
    if (tls.caFile !== undefined) options.ca = readFileSync(tls.caFile);
    if (tls.certFile !== undefined) options.cert = readFileSync(tls.certFile);
    if (tls.keyFile !== undefined) options.key = readFileSync(tls.keyFile);
    options.rejectUnauthorized = tls.isServerVerified;
  }
  return options;
}

export function openMqttConnection(
  settings: MqttConnectionSettings,
  options: IClientOptions,
  onMessage: MessageHandler,
): MqttConnection {
  const { config, clientId, filters, log } = settings;
  const c = mqtt.connect(config.url, options);
  let isSubscribed = false;
  // The network stream a failed delivery came on: what it still brings is left unacknowledged for
  // the broker to send again, not handled twice. The next connection's stream is a new one, whose
  // messages are handled from its first on: mqtt.js may hand them over before it emits 'connect'
  // (it first sends again what it had not got acknowledged).
  let droppedStream: unknown;
  const acks = createOrderedAcks(c, receiveMaximumOf(config), (err, packet) => {
    // Not acknowledged. Reconnecting makes the broker redeliver it (persistent session).
    log.error({ err, topic: packet.topic }, 'The pipeline failed a delivery; reconnecting to get it again.');
    const stream = c.stream;
    if (stream === undefined || stream === droppedStream) return;
    droppedStream = stream;
    // end() first: the PUBACKs of the messages before it are still in the stream's buffer. Then
    // destroy(), so that the connection closes even while unread packets hold its readable side.
    const close = () => stream.destroy();
    stream.end(close);
    setTimeout(close, 5_000).unref();
  });

  c.handleMessage = (packet: IPublishPacket, callback) => {
    if (c.stream === droppedStream) return;
    const work = onMessage(packet, c);
    if (work === undefined) return; // not acknowledged: the broker redelivers it to the next session
    acks.take(packet, work, callback);
  };
  const started = new Promise<void>((resolve, reject) => {
    let isStarted = false;
    const settle = (err?: PipelineError): void => {
      if (isStarted) {
        if (err !== undefined) log.error({ err }, err.message);
        return;
      }
      isStarted = true;
      if (err === undefined) resolve();
      else reject(err);
    };
    c.on('connect', (connack) => {
      log.info(
        { clientId, sessionPresent: connack.sessionPresent, filters },
        'Connected to the MQTT broker.',
      );
      if (settings.statusTopic !== undefined)
        c.publish(settings.statusTopic, 'online', { qos: 1, retain: true });
      c.subscribe([...filters], { qos: config.qos }, (err, granted) => {
        const refused = granted?.filter((g) => g.qos === 128) ?? [];
        if (err || refused.length > 0) {
          settle(
            new PipelineError('INGEST_SOURCE_FAILED', 'The MQTT broker refused a subscription.', {
              cause: err,
              details: { refused: refused.map((g) => g.topic) },
            }),
          );
          return;
        }
        isSubscribed = true;
        if (connack.sessionPresent) unsubscribeStale(c, settings);
        settle();
      });
    });
    followConnectionState(c, settings, (err) => {
      if (isStarted) return false;
      c.end(true);
      settle(err);
      return true;
    });
  });
  c.on('close', () => {
    isSubscribed = false;
  });
  return {
    client: c,
    started,
    inFlight: () => acks.settled(),
    isLive: () => isSubscribed && c.connected,
  };
}

/** Drops the subscriptions a persistent session kept from a run with another number of connections. */
function unsubscribeStale(c: MqttClient, settings: MqttConnectionSettings): void {
  if (settings.staleFilters.length === 0) return;
  c.unsubscribe([...settings.staleFilters], (err) => {
    if (err) settings.log.warn({ err }, 'Could not drop the subscriptions of an earlier run.');
  });
}

/**
 * Back-off on reconnects and errors: a permanent CONNACK refusal before the first connection is
 * handed to `refuse` (which returns whether it took it); everything else is logged and retried.
 */
function followConnectionState(
  c: MqttClient,
  settings: MqttConnectionSettings,
  refuse: (err: PipelineError) => boolean,
): void {
  const { config, rateLimitedLog } = settings;
  const url = config.url;
  let delayMs = config.reconnect.initialDelayMs;
  c.on('connect', () => {
    delayMs = config.reconnect.initialDelayMs;
    c.options.reconnectPeriod = delayMs;
  });
  c.on('reconnect', () => {
    // Capped exponential back-off: mqtt.js reads reconnectPeriod when it schedules the next attempt.
    delayMs = Math.min(config.reconnect.maxDelayMs, delayMs * config.reconnect.multiplier);
    c.options.reconnectPeriod = delayMs;
  });
  c.on('offline', () => {
    rateLimitedLog.warn('offline', { url }, 'Lost the MQTT connection; reconnecting with back-off.');
  });
  c.on('error', (err) => {
    const code = (err as { code?: number }).code;
    if (code !== undefined && permanentConnackCodes.has(code)) {
      const refusal = new PipelineError(
        'INGEST_SOURCE_FAILED',
        `The MQTT broker refused the connection: ${err.message}`,
        { cause: err, details: { url, code } },
      );
      if (refuse(refusal)) return;
    }
    rateLimitedLog.warn('error', { err, url }, 'MQTT client error; retrying.');
  });
}
