// Publishes ticks to an MQTT broker with QoS 1, as JSON (one message per asset
// per tick) or Sparkplug B (one edge node, one device per asset, NDEATH as the
// will, births again when a host sends Node Control/Rebirth).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { type Logger, PipelineError } from '../../core/index.js';
import type { SimulateTarget } from './config.js';
import { buildJsonMessage } from './json-message.js';
import type { PlantAsset } from './plant.js';
import type { TickPublisher } from './publisher.js';
import { createSparkplugSession, type SparkplugSession } from './sparkplug-session.js';

/** QoS 1 messages that may wait for their PUBACK before publish() waits too. */
const maxInFlightMessages = 1000;
/** How long close() waits for outstanding PUBACKs (e.g. while the broker is down) before giving up. */
const closeTimeoutMs = 10_000;

export type MqttTarget = Extract<SimulateTarget, { type: 'mqtt' }>;

export function createMqttPublisher(
  target: MqttTarget,
  assets: readonly PlantAsset[],
  deps: { logger: Logger },
): TickPublisher {
  const log = deps.logger.child({ component: 'ingest.simulator.mqtt' });
  const clientId = target.clientId ?? `gruwatch-simulator-${randomBytes(4).toString('hex')}`;
  // A fresh bdSeq per run lets a host tell this run's NDEATH from the will of an earlier run.
  const session: SparkplugSession | undefined =
    target.format === 'sparkplug-b'
      ? createSparkplugSession({
          group: target.group,
          edgeNode: target.edgeNode,
          assets,
          bdSeq: randomBytes(1)[0],
        })
      : undefined;
  const ncmdTopic = `spBv1.0/${target.group}/NCMD/${target.edgeNode}`;
  let client: MqttClient | undefined;
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;

  const fail = (what: string, err: unknown): PipelineError =>
    new PipelineError(
      'SIMULATOR_PUBLISH_FAILED',
      `${what} on MQTT broker ${target.url} failed: ${(err as Error).message}; check the URL, credentials and that the broker runs.`,
      { retriable: true, cause: err, details: { url: target.url, clientId } },
    );

  return {
    async open() {
      const options: IClientOptions = {
        clientId,
        protocolVersion: target.protocolVersion,
        connectTimeout: 10_000,
        reconnectPeriod: 1_000,
        ...(target.username === undefined ? {} : { username: target.username }),
        ...(target.password === undefined ? {} : { password: target.password.reveal() }),
        ...(target.caFile === undefined ? {} : { ca: readFileSync(target.caFile) }),
        ...(session === undefined
          ? {}
          : {
              will: {
                topic: session.death.topic,
                payload: Buffer.from(session.death.payload),
                qos: 1,
                retain: false,
              },
            }),
      };
      try {
        // No retries for the first connection: a wrong URL or password fails the run at once;
        // after it, mqtt.js reconnects on its own and queues QoS 1 messages meanwhile.
        client = await connectAsync(target.url, options, false);
        if (session !== undefined) {
          client.on('message', (topic, payload) => {
            if (session.isRebirthCommand(topic, payload)) {
              log.info({ topic }, 'Rebirth requested; births follow with the next tick.');
              session.requestRebirth();
            }
          });
          // After a lost connection the broker has published the will (NDEATH), so hosts
          // forgot this node: announce it again. The resubscription to NCMD is automatic.
          client.on('connect', () => {
            log.warn({ url: target.url }, 'Reconnected to MQTT broker; births follow with the next tick.');
            session.requestRebirth();
          });
          await client.subscribeAsync(ncmdTopic, { qos: 1 });
        }
      } catch (err) {
        await client?.endAsync(true);
        throw fail('connecting', err);
      }
      log.info({ url: target.url, clientId, format: target.format }, 'Simulator connected to MQTT broker.');
    },
    async publish(tick) {
      const c = client!;
      const messages: { topic: string; payload: string | Buffer }[] =
        session === undefined
          ? tick.frames.flatMap((frame, a) => {
              const message = buildJsonMessage(frame, assets[a].channels, tick.timestampMs);
              if (message === undefined) return [];
              const topic = target.topicTemplate
                .replaceAll('{site}', target.site)
                .replaceAll('{asset}', frame.assetId);
              return [{ topic, payload: JSON.stringify(message) }];
            })
          : session.messagesFor(tick).map((m) => ({ topic: m.topic, payload: Buffer.from(m.payload) }));
      if (failure !== undefined) throw fail('publishing', failure);
      // mqtt.js writes packets in call order, so Sparkplug seq order is kept while PUBACKs overlap.
      // Up to maxInFlightMessages wait for their PUBACK at once; waiting per tick would cap a
      // fast run at one broker round trip per tick.
      for (const m of messages) {
        const acked = c.publishAsync(m.topic, m.payload, { qos: 1 }).then(
          () => undefined,
          (err: unknown) => {
            failure ??= err;
          },
        );
        inFlight.add(acked);
        void acked.finally(() => inFlight.delete(acked));
      }
      while (inFlight.size > maxInFlightMessages) await Promise.race(inFlight);
      if (failure !== undefined) throw fail('publishing', failure);
      return messages.length;
    },
    async close() {
      if (client === undefined) return;
      const c = client;
      client = undefined;
      const giveUp = new AbortController();
      const isAcked = await Promise.race([
        Promise.all(inFlight).then(() => true),
        sleep(closeTimeoutMs, false, { signal: giveUp.signal }).catch(() => false),
      ]);
      giveUp.abort();
      try {
        if (!isAcked)
          throw new Error(`${inFlight.size} QoS 1 messages still unacknowledged after ${closeTimeoutMs} ms`);
        if (failure !== undefined) throw failure;
        // A clean disconnect discards the will, so the node announces its death itself (Sparkplug 3.0 §7.1).
        if (session !== undefined && c.connected) {
          await c.publishAsync(session.death.topic, Buffer.from(session.death.payload), { qos: 1 });
        }
        await c.endAsync();
      } catch (err) {
        await c.endAsync(true);
        throw fail('disconnecting', err);
      }
    },
  };
}
