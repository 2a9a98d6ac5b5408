// Sparkplug B → readings, stateful per edge node (Sparkplug 3.0 specification): births
// record alias maps, seq is checked on every message, and after a gap or a
// death the node's data is not trusted (assets signalled unknown) until it is born again.
import sparkplugPayload from 'sparkplug-payload';
import sparkplugProto from 'sparkplug-payload/lib/sparkplugPayloadProto.js';
import type { Clock } from '../../core/index.js';
import type { SensorReading } from '../reading.js';
import type { SparkplugDecoderConfig } from './config.js';
import type {
  AssetSignal,
  DecodeContext,
  DecodeIssue,
  DecodeResult,
  Decoder,
  OutboundCommand,
} from './decoder.js';
import { checkPayloadSize, neverThrowing, reject } from './result.js';
import { longToNumber, type ProtoMetric } from './sparkplug-metric.js';
import { type MetricDefinition, own, readDefinitions, readMetrics } from './sparkplug-readings.js';
import { parseSparkplugTopic, type SparkplugTopic } from './sparkplug-topic.js';

const { Payload } = sparkplugProto.org.eclipse.tahu.protobuf;
const sparkplugB = sparkplugPayload.get('spBv1.0')!;

/** Keeps the rebirth throttle table bounded when topics name ever new (bogus) edge nodes. */
const maxThrottleEntries = 4096;

interface DeviceState {
  assetId: string;
  aliases: Map<number, MetricDefinition>;
}

interface NodeState {
  assetId: string;
  aliases: Map<number, MetricDefinition>;
  devices: Map<string, DeviceState>;
  /** bdSeq of the current session, to tell a stale NDEATH (an old will message) from the real one. */
  bdSeq: number;
  lastSeq: number;
  /** False after a sequence gap until the next NBIRTH: data may be missing, so none is passed on. */
  isTrusted: boolean;
}

interface DecodedPayload {
  timestamp?: unknown;
  seq?: unknown;
  metrics?: ProtoMetric[] | null;
}

export interface SparkplugDecoderDeps {
  /** Wall-clock time, used only to space rebirth requests. */
  clock: Clock;
}

export function createSparkplugDecoder(config: SparkplugDecoderConfig, deps: SparkplugDecoderDeps): Decoder {
  const groups = new Set(config.groupIds);
  const nodes = new Map<string, NodeState>();
  const rebirthRequestedAtMs = new Map<string, number>();

  function assetOf(template: string, topic: SparkplugTopic): string {
    return template.replace(
      /\{(group|edge|device)\}/g,
      (_, key: 'group' | 'edge' | 'device') => topic[key] ?? '',
    );
  }

  function rebirthCommands(topic: SparkplugTopic, nodeKey: string): OutboundCommand[] | undefined {
    if (!config.isRebirthRequested) return undefined;
    const nowMs = deps.clock.nowMs();
    const lastMs = rebirthRequestedAtMs.get(nodeKey);
    if (lastMs !== undefined && nowMs - lastMs < config.rebirthIntervalMs) return undefined;
    if (rebirthRequestedAtMs.size >= maxThrottleEntries) rebirthRequestedAtMs.clear();
    rebirthRequestedAtMs.set(nodeKey, nowMs);
    const payload = sparkplugB.encodePayload({
      timestamp: nowMs,
      metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }],
    });
    return [{ topic: `spBv1.0/${topic.group}/NCMD/${topic.edge}`, payload }];
  }

  function nodeAssets(node: NodeState): string[] {
    const assets = [node.assetId];
    for (const device of node.devices.values()) assets.push(device.assetId);
    return assets;
  }

  function signalsFor(
    kind: AssetSignal['kind'],
    assetIds: string[],
    atMs: number,
    reason: string,
  ): AssetSignal[] {
    return assetIds.map((assetId) => ({ kind, assetId, atMs, reason }));
  }

  function finish(readings: SensorReading[], issues: DecodeIssue[], signals?: AssetSignal[]): DecodeResult {
    const result: DecodeResult = { ok: true, readings };
    if (issues.length > 0) result.partialIssues = issues;
    if (signals !== undefined && signals.length > 0) result.signals = signals;
    return result;
  }

  /** Checks seq against the node's last one; on a gap the node stops being trusted. */
  function checkSequence(
    node: NodeState,
    seq: number,
    topic: SparkplugTopic,
    nodeKey: string,
    atMs: number,
  ): DecodeResult | undefined {
    const expected = (node.lastSeq + 1) % 256;
    if (seq === expected && node.isTrusted) {
      node.lastSeq = seq;
      return undefined;
    }
    if (!node.isTrusted) {
      const commands = rebirthCommands(topic, nodeKey);
      const result = reject(
        'sequence_gap',
        `edge node ${nodeKey} lost messages earlier; its data is ignored until it sends NBIRTH again`,
        'seq',
      );
      if (commands !== undefined) result.commands = commands;
      return result;
    }
    node.isTrusted = false;
    const signals = signalsFor('unknown', nodeAssets(node), atMs, 'sparkplug_sequence_gap');
    const commands = rebirthCommands(topic, nodeKey);
    const result = reject(
      'sequence_gap',
      `seq is ${seq} but ${expected} was expected from edge node ${nodeKey}; messages were lost`,
      'seq',
    );
    result.signals = signals;
    if (commands !== undefined) result.commands = commands;
    return result;
  }

  function decodeUnsafe(payload: Uint8Array, context: DecodeContext): DecodeResult {
    const topic = parseSparkplugTopic(context.topic);
    if (typeof topic === 'string') return reject('unsupported_message', topic, 'topic');
    // Host STATE and commands to edge nodes carry no sensor data; they pass without an issue.
    if (topic.type === 'STATE' || topic.type === 'NCMD' || topic.type === 'DCMD')
      return { ok: true, readings: [] };
    if (groups.size > 0 && !groups.has(topic.group)) return { ok: true, readings: [] };
    const sizeProblem = checkPayloadSize(payload, config.maxPayloadBytes);
    if (sizeProblem !== undefined) return sizeProblem;
    let decoded: DecodedPayload;
    try {
      decoded = Payload.decode(payload) as DecodedPayload;
    } catch (err) {
      return reject(
        'invalid_sparkplug',
        `payload is not a Sparkplug B protobuf message: ${(err as Error).message}`,
      );
    }
    const metrics = decoded.metrics ?? [];
    const payloadTimestamp = own(decoded, 'timestamp');
    const payloadTimestampMs = payloadTimestamp == null ? Number.NaN : longToNumber(payloadTimestamp);
    const atMs = Number.isFinite(payloadTimestampMs) ? payloadTimestampMs : context.receivedAtMs;
    const rawSeq = own(decoded, 'seq');
    const seq = rawSeq == null ? Number.NaN : longToNumber(rawSeq);
    const nodeKey = `${topic.group}/${topic.edge}`;
    const node = nodes.get(nodeKey);
    const nodeAssetId = assetOf(config.nodeAssetTemplate, topic);

    if (topic.type === 'NDEATH') {
      if (node === undefined)
        return finish([], [], signalsFor('unknown', [nodeAssetId], atMs, 'sparkplug_node_death'));
      const bdSeqMetric = metrics.find((m) => m.name === 'bdSeq');
      const bdSeq =
        bdSeqMetric === undefined ? Number.NaN : longToNumber(bdSeqMetric.longValue ?? bdSeqMetric.intValue);
      // A will message of an earlier session can arrive after the new NBIRTH; it must not kill the node.
      if (!Number.isNaN(bdSeq) && !Number.isNaN(node.bdSeq) && bdSeq !== node.bdSeq)
        return { ok: true, readings: [] };
      nodes.delete(nodeKey);
      return finish([], [], signalsFor('unknown', nodeAssets(node), atMs, 'sparkplug_node_death'));
    }

    if (!Number.isInteger(seq) || seq < 0 || seq > 255) {
      return reject(
        'invalid_sparkplug',
        `${topic.type} payload has ${Number.isNaN(seq) ? 'no seq' : `seq ${seq}`}; expected an integer 0-255`,
        'seq',
      );
    }

    if (topic.type === 'NBIRTH') {
      const bdSeqMetric = metrics.find((m) => m.name === 'bdSeq');
      const fresh: NodeState = {
        assetId: nodeAssetId,
        aliases: readDefinitions(metrics),
        devices: new Map(),
        bdSeq:
          bdSeqMetric === undefined
            ? Number.NaN
            : longToNumber(bdSeqMetric.longValue ?? bdSeqMetric.intValue),
        lastSeq: seq,
        isTrusted: true,
      };
      nodes.set(nodeKey, fresh);
      rebirthRequestedAtMs.delete(nodeKey);
      const issues: DecodeIssue[] = [];
      const readings = readMetrics(
        metrics,
        fresh.aliases,
        nodeAssetId,
        payloadTimestampMs,
        context,
        config,
        true,
        issues,
      );
      return finish(readings, issues, signalsFor('online', [nodeAssetId], atMs, 'sparkplug_node_birth'));
    }

    if (node === undefined) {
      const result = reject(
        'unknown_alias',
        `no NBIRTH has been seen from edge node ${nodeKey}; its metrics cannot be resolved`,
        'topic',
      );
      const commands = rebirthCommands(topic, nodeKey);
      if (commands !== undefined) result.commands = commands;
      return result;
    }
    const gap = checkSequence(node, seq, topic, nodeKey, atMs);
    if (gap !== undefined) return gap;

    const device = topic.device === undefined ? undefined : node.devices.get(topic.device);
    const deviceAssetId =
      topic.device === undefined ? nodeAssetId : assetOf(config.deviceAssetTemplate, topic);
    switch (topic.type) {
      case 'DBIRTH': {
        const fresh: DeviceState = { assetId: deviceAssetId, aliases: readDefinitions(metrics) };
        node.devices.set(topic.device as string, fresh);
        const issues: DecodeIssue[] = [];
        const readings = readMetrics(
          metrics,
          fresh.aliases,
          deviceAssetId,
          payloadTimestampMs,
          context,
          config,
          true,
          issues,
        );
        return finish(
          readings,
          issues,
          signalsFor('online', [deviceAssetId], atMs, 'sparkplug_device_birth'),
        );
      }
      case 'DDEATH':
        node.devices.delete(topic.device as string);
        return finish([], [], signalsFor('unknown', [deviceAssetId], atMs, 'sparkplug_device_death'));
      case 'NDATA':
      case 'DDATA': {
        let aliases = node.aliases;
        if (topic.type === 'DDATA') {
          if (device === undefined) {
            const result = reject(
              'unknown_alias',
              `no DBIRTH has been seen for device ${topic.device} of edge node ${nodeKey}`,
              'topic',
            );
            const commands = rebirthCommands(topic, nodeKey);
            if (commands !== undefined) result.commands = commands;
            return result;
          }
          aliases = device.aliases;
        }
        const issues: DecodeIssue[] = [];
        const readings = readMetrics(
          metrics,
          aliases,
          deviceAssetId,
          payloadTimestampMs,
          context,
          config,
          false,
          issues,
        );
        if (readings.length === 0) {
          const first = issues[0];
          if (first === undefined)
            return reject('missing_field', `${topic.type} payload has no metrics`, 'metrics');
          const more =
            issues.length > 1 ? ` (and ${issues.length - 1} more problems; no metric was usable)` : '';
          return { ok: false, issue: { ...first, message: `${first.message}${more}` } };
        }
        return finish(readings, issues);
      }
      default:
        return reject('unsupported_message', `Sparkplug message type ${topic.type} is not decoded`, 'topic');
    }
  }

  return neverThrowing('invalid_sparkplug', decodeUnsafe);
}
