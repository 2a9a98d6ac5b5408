// The MQTT source (mqtt.js 5): subscribes to topic templates, decodes each
// message and hands it to the pipeline; PUBACK is sent only after the
// pipeline's promise resolved. Each connection has one message in flight
// (`mqtt-connection.ts`); with `connections` > 1 the source opens that many,
// subscribed through a shared subscription of this instance's own, so the
// broker spreads the messages over them and the pipeline commits the
// deliveries that arrive together in one transaction.
import { randomBytes } from 'node:crypto';
import type { IClientOptions, IPublishPacket, MqttClient } from 'mqtt';
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
import { clientOptions, type MqttConnection, openMqttConnection } from './mqtt-connection.js';
import { subscriptionsOf } from './subscriptions.js';
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

/** Ends a connection; waits for its outgoing QoS 1 publishes (dead letters) at most `stopGraceMs`. */
async function endConnection(c: MqttClient): Promise<void> {
  const ended = c.endAsync(false).then(() => true);
  const isEnded = await Promise.race([ended, delay(stopGraceMs).then(() => false)]);
  if (!isEnded) await c.endAsync(true);
}

export function createMqttSource(config: MqttSourceConfig, deps: MqttSourceDeps): Source {
  const log = deps.logger.child({ component: 'ingest.mqtt' });
  const telemetry = deps.telemetry ?? noopTelemetry;
  const rateLimitedLog = createRateLimitedLog(log, deps.clock);
  const intake = createMessageIntake({ decoder: deps.decoder, telemetry, rateLimitedLog });
  const topicMap = createTopicMap(config.topics);
  const clientId = config.clientId ?? `gruwatch-${randomBytes(6).toString('hex')}`;
  const statusTopic = config.statusTopic ?? `gruwatch/status/${clientId}`;
  const subscriptions = subscriptionsOf(config, clientId, topicMap.filters);
  let connections: MqttConnection[] = [];
  let fileDeadLetters: DeadLetterWriter | undefined;
  let isStopping = false;
  let isStopped = false;

  const deadLetter = async (letter: DeadLetter): Promise<void> => {
    const target = config.deadLetter;
    if (target === undefined || target.type === 'none') return;
    if (target.type === 'file') {
      fileDeadLetters ??= createFileDeadLetters(target);
      await fileDeadLetters.write(letter);
    } else {
      // Not awaited: the PUBACK for it arrives as an incoming packet, which mqtt.js does not read while
      // this connection's window of unacknowledged messages is full. mqtt.js keeps it in its
      // outgoing store and resends it after a reconnect.
      connections[0].client.publish(target.topic, JSON.stringify(letter), { qos: 1 }, (err) => {
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

  /** Keeps a rejected message's copy; a failure to keep it is counted and logged, never thrown. */
  const keepDeadLetter = async (letter: DeadLetter): Promise<void> => {
    try {
      await deadLetter(letter);
    } catch (err) {
      // Losing the copy of a bad message must not stop the stream: counted and logged, then acknowledged.
      telemetry.count('ingest_dead_letter_failures_total', { transport: 'mqtt' });
      rateLimitedLog.warn('dead-letter', { err }, 'Could not keep a rejected message as a dead letter.');
    }
  };

  const processResult = (
    result: IntakeResult,
    handler: DeliveryHandler,
    client: MqttClient,
  ): Promise<void> => {
    for (const command of result.commands) {
      // Sparkplug commands (rebirth requests) are QoS 0 by the Sparkplug spec; a lost one is re-requested.
      client.publish(command.topic, Buffer.from(command.payload), { qos: 0 }, (err) => {
        if (err)
          rateLimitedLog.warn('command', { err, topic: command.topic }, 'Could not publish a command.');
      });
    }
    // The delivery is handed over now, before anything is awaited, so that messages reach the
    // pipeline in the order they came even while several wait for their acknowledgement.
    const handled = result.delivery === undefined ? undefined : handler(withDeadLetter(result.delivery));
    const kept = result.deadLetter === undefined ? undefined : keepDeadLetter(result.deadLetter);
    return Promise.all([handled, kept]).then(() => {});
  };

  const handleMessage = (packet: IPublishPacket, client: MqttClient, handler: DeliveryHandler) => {
    if (isStopping) return undefined; // not acknowledged: the broker redelivers it to the next session
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
    return result.deadLetter === undefined && result.commands.length === 0 && result.delivery !== undefined
      ? handler(withDeadLetter(result.delivery))
      : processResult(result, handler, client);
  };

  /** Connection 0 keeps the client id and carries the status topic; the others add `-{index}`. */
  const settingsOf = (index: number) => ({
    config,
    clientId: index === 0 ? clientId : `${clientId}-${index}`,
    filters: subscriptions.filters,
    staleFilters: subscriptions.staleFilters,
    ...(index === 0 ? { statusTopic } : {}),
    log,
    rateLimitedLog,
  });

  return {
    async start(handler) {
      if (connections.length > 0 || isStopped) {
        throw new PipelineError('INGEST_SOURCE_FAILED', 'An MQTT source can be started only once.');
      }
      const settings = Array.from({ length: config.connections }, (_, i) => settingsOf(i));
      let options: IClientOptions[];
      try {
        options = settings.map(clientOptions);
      } catch (err) {
        throw new PipelineError(
          'INGEST_SOURCE_FAILED',
          'Cannot read the TLS files named in `ingest.mqtt.tls`.',
          {
            cause: err,
          },
        );
      }
      connections = settings.map((s, i) =>
        openMqttConnection(s, options[i], (packet, client) => handleMessage(packet, client, handler)),
      );
      try {
        await Promise.all(connections.map((c) => c.started));
      } catch (err) {
        for (const c of connections) c.client.end(true);
        throw err;
      }
    },

    isLive() {
      return connections.length > 0 && connections.every((c) => c.isLive());
    },

    async stop() {
      if (isStopped) return;
      isStopping = true;
      isStopped = true;
      if (connections.length > 0) {
        await Promise.all(connections.map((c) => c.inFlight()));
        // Nothing here may wait for a PUBACK: mqtt.js reads no packet past a message this source no longer
        // acknowledges. So the status goes at QoS 0 (TCP delivers it before the DISCONNECT), and
        // end(false), which waits for outgoing QoS 1 publishes (dead letters), is bounded.
        const first = connections[0].client;
        if (first.connected) first.publish(statusTopic, 'offline', { qos: 0, retain: true });
        await Promise.all(connections.map((c) => endConnection(c.client)));
      }
      await fileDeadLetters?.close();
    },
  };
}
