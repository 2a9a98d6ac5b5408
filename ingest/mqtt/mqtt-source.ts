// The MQTT source (mqtt.js 5): subscribes to topic templates, decodes each
// message and hands it to the pipeline; PUBACK is sent only after the
// pipeline's promise resolved. mqtt.js processes the next incoming packet only
// after handleMessage's callback, so deliveries are strictly sequential per
// connection and a slow pipeline backs up into TCP flow control, not memory.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import {
  type Clock,
  createRateLimitedLog,
  type Logger,
  noopTelemetry,
  PipelineError,
  type Telemetry,
} from '../../core/index.js';
import type { DeadLetterConfig, MqttConfig } from '../config.js';
import { type DeadLetter, type DeadLetterWriter, toDeadLetter } from '../dead-letter/dead-letter.js';
import { createFileDeadLetters } from '../dead-letter/file-dead-letters.js';
import type { Decoder } from '../decode/decoder.js';
import { createMessageIntake, type IntakeResult } from '../message-intake.js';
import type { DeliveryHandler, Source, SourceDelivery } from '../source.js';
import { createTopicMap } from './topic-map.js';

export type MqttSourceConfig = MqttConfig & { deadLetter?: DeadLetterConfig };

export interface MqttSourceDeps {
  decoder: Decoder;
  logger: Logger;
  clock: Clock;
  telemetry?: Telemetry;
}

/** How long stop() lets outgoing QoS 1 publishes finish before closing the connection anyway. */
const stopGraceMs = 3000;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

// CONNACK reason codes that retrying cannot fix (MQTT 3.1.1 §3.2.2.3, MQTT 5 §3.2.2.2).
const permanentConnackCodes = new Set([1, 2, 4, 5, 128, 130, 132, 133, 134, 135, 138, 140]);

export function createMqttSource(config: MqttSourceConfig, deps: MqttSourceDeps): Source {
  const log = deps.logger.child({ component: 'ingest.mqtt' });
  const telemetry = deps.telemetry ?? noopTelemetry;
  const rateLimitedLog = createRateLimitedLog(log, deps.clock);
  const intake = createMessageIntake({ decoder: deps.decoder, telemetry, rateLimitedLog });
  const topicMap = createTopicMap(config.topics);
  const clientId = config.clientId ?? `gruwatch-${randomBytes(6).toString('hex')}`;
  const statusTopic = config.statusTopic ?? `gruwatch/status/${clientId}`;
  const filters = topicMap.filters.map((f) =>
    config.sharedGroup === undefined ? f : `$share/${config.sharedGroup}/${f}`,
  );
  let client: MqttClient | undefined;
  let fileDeadLetters: DeadLetterWriter | undefined;
  let isStopping = false;
  let isStopped = false;
  let inFlight: Promise<void> | undefined;
  let isSubscribed = false;

  const deadLetter = async (letter: DeadLetter): Promise<void> => {
    const target = config.deadLetter;
    if (target === undefined || target.type === 'none') return;
    if (target.type === 'file') {
      fileDeadLetters ??= createFileDeadLetters(target);
      await fileDeadLetters.write(letter);
    } else {
      // Not awaited: the PUBACK for it arrives as an incoming packet, and mqtt.js reads no packet until
      // this message is acknowledged. mqtt.js keeps it in its outgoing store and resends it after a reconnect.
      client!.publish(target.topic, JSON.stringify(letter), { qos: 1 }, (err) => {
        if (err) {
          telemetry.count('ingest_dead_letter_failures_total', { transport: 'mqtt' });
          rateLimitedLog.warn('dead-letter', { err }, 'Could not keep a rejected message as a dead letter.');
        }
      });
    }
    telemetry.count('ingest_dead_letters_total', { transport: 'mqtt' });
  };

  /** Lets a later stage (the asset limit) keep the whole message as a dead letter. */
  const withDeadLetter = (delivery: SourceDelivery): SourceDelivery => ({
    ...delivery,
    deadLetter: (issue) => deadLetter(toDeadLetter(delivery.origin, issue, delivery.payload)),
  });

  const processResult = async (result: IntakeResult, handler: DeliveryHandler): Promise<void> => {
    for (const command of result.commands) {
      // Sparkplug commands (rebirth requests) are QoS 0 by the Sparkplug spec; a lost one is re-requested.
      client!.publish(command.topic, Buffer.from(command.payload), { qos: 0 }, (err) => {
        if (err)
          rateLimitedLog.warn('command', { err, topic: command.topic }, 'Could not publish a command.');
      });
    }
    if (result.deadLetter !== undefined) {
      try {
        await deadLetter(result.deadLetter);
      } catch (err) {
        // Losing the copy of a bad message must not stop the stream: counted and logged, then acknowledged.
        telemetry.count('ingest_dead_letter_failures_total', { transport: 'mqtt' });
        rateLimitedLog.warn('dead-letter', { err }, 'Could not keep a rejected message as a dead letter.');
      }
    }
    if (result.delivery !== undefined) await handler(withDeadLetter(result.delivery));
  };

  const buildOptions = (): IClientOptions => {
    const options: IClientOptions = {
      clientId,
      protocolVersion: config.protocolVersion,
      clean: !config.isSessionPersistent,
      keepalive: config.keepaliveSecs,
      connectTimeout: config.connectTimeoutMs,
      reconnectPeriod: config.reconnect.initialDelayMs,
      resubscribe: true,
      will: { topic: statusTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
    };
    if (config.protocolVersion === 5 && config.isSessionPersistent) {
      options.properties = { sessionExpiryInterval: config.sessionExpirySecs };
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
  };

  return {
    start(handler) {
      if (client !== undefined || isStopped) {
        return Promise.reject(
          new PipelineError('INGEST_SOURCE_FAILED', 'An MQTT source can be started only once.'),
        );
      }
      return new Promise<void>((resolve, reject) => {
        let isStarted = false;
        let options: IClientOptions;
        try {
          options = buildOptions();
        } catch (err) {
          reject(
            new PipelineError(
              'INGEST_SOURCE_FAILED',
              'Cannot read the TLS files named in `ingest.mqtt.tls`.',
              {
                cause: err,
              },
            ),
          );
          return;
        }
        const url = config.url;
        const c = mqtt.connect(url, options);
        client = c;
        let delayMs = config.reconnect.initialDelayMs;

        c.handleMessage = (packet: IPublishPacket, callback) => {
          if (isStopping) return; // not acknowledged: the broker redelivers it to the next session
          const payload = packet.payload as Buffer;
          const origin = {
            transport: 'mqtt' as const,
            topic: packet.topic,
            receivedAtMs: deps.clock.nowMs(),
            ...(packet.dup ? { isRedelivery: true } : {}),
          };
          const fields = topicMap.match(packet.topic);
          const result =
            fields === undefined
              ? intake.reject(payload, origin, {
                  reason: 'no_topic_match',
                  message: `topic "${packet.topic}" matches none of the templates in \`ingest.mqtt.topics\``,
                })
              : intake.take(payload, origin, fields);
          // Fast path (the common case): no dead letter, no command; hand over without an extra async frame.
          const work =
            result.deadLetter === undefined && result.commands.length === 0 && result.delivery !== undefined
              ? handler(withDeadLetter(result.delivery))
              : processResult(result, handler);
          const done = work.then(
            () => callback(),
            (err: unknown) => {
              // Not acknowledged. Reconnecting makes the broker redeliver it (persistent session).
              log.error(
                { err, topic: packet.topic },
                'The pipeline failed a delivery; reconnecting to get it again.',
              );
              c.stream?.destroy();
            },
          );
          inFlight = done;
        };

        c.on('connect', (connack) => {
          delayMs = config.reconnect.initialDelayMs;
          c.options.reconnectPeriod = delayMs;
          log.info(
            { clientId, sessionPresent: connack.sessionPresent, filters },
            'Connected to the MQTT broker.',
          );
          c.publish(statusTopic, 'online', { qos: 1, retain: true });
          c.subscribe(filters, { qos: config.qos }, (err, granted) => {
            const refused = granted?.filter((g) => g.qos === 128) ?? [];
            if (err || refused.length > 0) {
              const error = new PipelineError(
                'INGEST_SOURCE_FAILED',
                'The MQTT broker refused a subscription.',
                {
                  cause: err,
                  details: { refused: refused.map((g) => g.topic) },
                },
              );
              if (!isStarted) {
                isStarted = true;
                reject(error);
              } else log.error({ err: error }, 'The MQTT broker refused a subscription.');
              return;
            }
            isSubscribed = true;
            if (!isStarted) {
              isStarted = true;
              resolve();
            }
          });
        });
        c.on('close', () => {
          isSubscribed = false;
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
          if (!isStarted && code !== undefined && permanentConnackCodes.has(code)) {
            isStarted = true;
            c.end(true);
            reject(
              new PipelineError(
                'INGEST_SOURCE_FAILED',
                `The MQTT broker refused the connection: ${err.message}`,
                {
                  cause: err,
                  details: { url, code },
                },
              ),
            );
            return;
          }
          rateLimitedLog.warn('error', { err, url }, 'MQTT client error; retrying.');
        });
      });
    },

    isLive() {
      return isSubscribed && client?.connected === true;
    },

    async stop() {
      if (isStopped) return;
      isStopping = true;
      isStopped = true;
      const c = client;
      if (c !== undefined) {
        await inFlight;
        // Nothing here may wait for a PUBACK: mqtt.js reads no packet past a message this source no longer
        // acknowledges. So the status goes at QoS 0 (TCP delivers it before the DISCONNECT), and
        // end(false), which waits for outgoing QoS 1 publishes (dead letters), is bounded.
        if (c.connected) c.publish(statusTopic, 'offline', { qos: 0, retain: true });
        const ended = c.endAsync(false).then(() => true);
        const isEnded = await Promise.race([ended, delay(stopGraceMs).then(() => false)]);
        if (!isEnded) await c.endAsync(true);
      }
      await fileDeadLetters?.close();
    },
  };
}
