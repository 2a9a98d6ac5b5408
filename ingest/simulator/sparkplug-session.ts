// Sparkplug B messages of one edge node whose devices are the plant's assets:
// NBIRTH (bdSeq, Node Control/Rebirth), a DBIRTH per asset declaring every
// channel with an alias, then DDATA by alias with seq counting 0–255 across the
// node's messages (Sparkplug 3.0 §6.4.18), and the NDEATH will. Pure: no I/O.
import sparkplugPayload from 'sparkplug-payload';
import type { PlantAsset, PlantTick } from './plant.js';

const sparkplugB = sparkplugPayload.get('spBv1.0')!;

export interface SparkplugMessage {
  topic: string;
  payload: Uint8Array;
}

export interface SparkplugSession {
  /** The NDEATH to register as the MQTT will before connecting; its bdSeq matches the births. */
  readonly death: SparkplugMessage;
  /** Births (NBIRTH and every DBIRTH, carrying this tick's values) on the first tick and after a rebirth request; DDATA otherwise. */
  messagesFor(tick: PlantTick): SparkplugMessage[];
  /** Makes the next tick start with births again (seq restarts at 0). */
  requestRebirth(): void;
  /** Whether `payload` on `topic` is an NCMD to this node asking for a rebirth. */
  isRebirthCommand(topic: string, payload: Uint8Array): boolean;
}

export function createSparkplugSession(options: {
  group: string;
  edgeNode: string;
  assets: readonly PlantAsset[];
  /** Birth/death sequence number of this session, 0–255. */
  bdSeq: number;
}): SparkplugSession {
  const { group, edgeNode, assets, bdSeq } = options;
  const nodeTopic = (type: string): string => `spBv1.0/${group}/${type}/${edgeNode}`;
  const deviceTopic = (type: string, device: string): string =>
    `spBv1.0/${group}/${type}/${edgeNode}/${device}`;
  let seq = 0;
  let isBirthDue = true;
  const nextSeq = (): number => {
    const current = seq;
    seq = (seq + 1) % 256;
    return current;
  };
  const death: SparkplugMessage = {
    topic: nodeTopic('NDEATH'),
    payload: sparkplugB.encodePayload({ metrics: [{ name: 'bdSeq', type: 'UInt64', value: bdSeq }] }),
  };
  const births = (tick: PlantTick): SparkplugMessage[] => {
    seq = 0;
    const timestamp = tick.timestampMs;
    const messages: SparkplugMessage[] = [
      {
        topic: nodeTopic('NBIRTH'),
        payload: sparkplugB.encodePayload({
          timestamp,
          seq: nextSeq(),
          metrics: [
            { name: 'bdSeq', type: 'UInt64', value: bdSeq, timestamp },
            { name: 'Node Control/Rebirth', type: 'Boolean', value: false, timestamp },
          ],
        }),
      },
    ];
    tick.frames.forEach((frame, a) => {
      messages.push({
        topic: deviceTopic('DBIRTH', frame.assetId),
        payload: sparkplugB.encodePayload({
          timestamp,
          seq: nextSeq(),
          // A birth declares every channel; one that has no reading right now is sent as null.
          metrics: assets[a].channels.map((name, c) => {
            const value = frame.values[c];
            return value === undefined
              ? { name, alias: c + 1, type: 'Double' as const, value: null, isNull: true, timestamp }
              : { name, alias: c + 1, type: 'Double' as const, value, timestamp };
          }),
        }),
      });
    });
    return messages;
  };
  const data = (tick: PlantTick): SparkplugMessage[] => {
    const messages: SparkplugMessage[] = [];
    for (const frame of tick.frames) {
      const metrics = frame.values.flatMap((value, c) =>
        value === undefined
          ? []
          : [{ alias: c + 1, type: 'Double' as const, value, timestamp: tick.timestampMs }],
      );
      if (metrics.length === 0) continue;
      messages.push({
        topic: deviceTopic('DDATA', frame.assetId),
        payload: sparkplugB.encodePayload({ timestamp: tick.timestampMs, seq: nextSeq(), metrics }),
      });
    }
    return messages;
  };
  return {
    death,
    messagesFor(tick) {
      if (!isBirthDue) return data(tick);
      isBirthDue = false;
      return births(tick);
    },
    requestRebirth() {
      isBirthDue = true;
    },
    isRebirthCommand(topic, payload) {
      if (topic !== nodeTopic('NCMD')) return false;
      try {
        const decoded = sparkplugB.decodePayload(payload);
        return (decoded.metrics ?? []).some((m) => m.name === 'Node Control/Rebirth' && m.value === true);
      } catch {
        // Not a Sparkplug payload: not a rebirth request.
        return false;
      }
    },
  };
}
