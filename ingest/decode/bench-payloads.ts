// Realistic, seeded payloads for the ingest benchmark: JSON batches and
// Sparkplug B DDATA streams for N assets × C channels, with the decoder
// config that reads them. Building is outside the timed part of a benchmark.
import sparkplugPayload from 'sparkplug-payload';
import { createRng } from '../../core/index.js';
import type { DecoderConfig } from './config.js';
import { decoderConfigSchema } from './config.js';
import type { DecodeContext } from './decoder.js';

const sparkplugB = sparkplugPayload.get('spBv1.0')!;
const channelKinds = ['flow', 'temp', 'pressure', 'vibration', 'current', 'speed', 'level', 'valve'];

export interface BenchPayloadOptions {
  /** Number of assets (JSON) or edge nodes with one device each (Sparkplug). */
  assets: number;
  /** Channels (metrics) per asset. */
  channels: number;
  /** Time steps; every step yields one JSON batch, or one DDATA per device. */
  ticks: number;
  /** Seed of the value generator; the same seed gives the same bytes. */
  seed?: number;
  /** Time of the first step, ms since the epoch. */
  startMs?: number;
  /** Time between steps in ms. */
  periodMs?: number;
}

export interface BenchMessage {
  payload: Uint8Array;
  context: DecodeContext;
}

export interface BenchPayloads {
  /** The config to build the decoder with (createDecoder(config)). */
  config: DecoderConfig;
  /** Messages to decode once, untimed, before `messages` (Sparkplug births). */
  setup: BenchMessage[];
  /** The timed messages, in order. */
  messages: BenchMessage[];
  /** Readings the decoder yields for all of `messages`. */
  readingCount: number;
}

/** One JSON array per step with a reading object for every asset and channel: `[{asset, channel, value, ts}, …]`. */
export function buildJsonBatchPayloads(options: BenchPayloadOptions): BenchPayloads {
  const { assets, channels, ticks, startMs = 1_700_000_000_000, periodMs = 1000 } = options;
  const random = createRng(options.seed ?? 1).next;
  const encoder = new TextEncoder();
  const channelNames = namesOfChannels(channels);
  const messages: BenchMessage[] = [];
  for (let t = 0; t < ticks; t++) {
    const ts = startMs + t * periodMs;
    const batch: { asset: string; channel: string; value: number; ts: number }[] = [];
    for (let a = 0; a < assets; a++) {
      for (let c = 0; c < channels; c++) {
        batch.push({ asset: `pump-${a}`, channel: channelNames[c], value: sampleValue(random, t, c), ts });
      }
    }
    messages.push({
      payload: encoder.encode(JSON.stringify(batch)),
      context: { topic: 'plant/batch', receivedAtMs: ts },
    });
  }
  return {
    config: decoderConfigSchema.parse({ type: 'json' }),
    setup: [],
    messages,
    readingCount: ticks * assets * channels,
  };
}

/**
 * Per edge node `edge-<a>` (one device `dev`): NBIRTH and DBIRTH in `setup`,
 * then one DDATA per step with every metric by alias, seq counting on from the
 * births. With `ticks` a multiple of 256 the messages can be replayed in a loop
 * without a sequence gap.
 */
export function buildSparkplugPayloads(options: BenchPayloadOptions): BenchPayloads {
  const { assets, channels, ticks, startMs = 1_700_000_000_000, periodMs = 1000 } = options;
  const random = createRng(options.seed ?? 1).next;
  const channelNames = namesOfChannels(channels);
  const setup: BenchMessage[] = [];
  const messages: BenchMessage[] = [];
  const context = (topic: string, receivedAtMs: number): DecodeContext => ({ topic, receivedAtMs });
  for (let a = 0; a < assets; a++) {
    const edge = `edge-${a}`;
    setup.push({
      payload: sparkplugB.encodePayload({
        timestamp: startMs,
        seq: 0,
        metrics: [
          { name: 'bdSeq', type: 'UInt64', value: 0 },
          { name: 'Node Control/Rebirth', type: 'Boolean', value: false },
        ],
      }),
      context: context(`spBv1.0/plant/NBIRTH/${edge}`, startMs),
    });
    setup.push({
      payload: sparkplugB.encodePayload({
        timestamp: startMs,
        seq: 1,
        metrics: channelNames.map((name, c) => ({
          name,
          alias: c + 1,
          type: 'Double' as const,
          value: 0,
          timestamp: startMs,
        })),
      }),
      context: context(`spBv1.0/plant/DBIRTH/${edge}/dev`, startMs),
    });
  }
  for (let t = 0; t < ticks; t++) {
    const ts = startMs + (t + 1) * periodMs;
    for (let a = 0; a < assets; a++) {
      messages.push({
        payload: sparkplugB.encodePayload({
          timestamp: ts,
          seq: (t + 2) % 256,
          metrics: channelNames.map((_, c) => ({
            alias: c + 1,
            type: 'Double' as const,
            value: sampleValue(random, t, c),
            timestamp: ts,
          })),
        }),
        context: context(`spBv1.0/plant/DDATA/edge-${a}/dev`, ts),
      });
    }
  }
  return {
    config: decoderConfigSchema.parse({ type: 'sparkplug-b', isRebirthRequested: false }),
    setup,
    messages,
    readingCount: ticks * assets * channels,
  };
}

function namesOfChannels(channels: number): string[] {
  return Array.from(
    { length: channels },
    (_, c) => `${channelKinds[c % channelKinds.length]}_${Math.floor(c / channelKinds.length)}`,
  );
}

/** A slow sine per channel plus noise, rounded like a real transmitter's output. */
function sampleValue(random: () => number, tick: number, channel: number): number {
  const base = 50 + 10 * Math.sin((tick + channel * 7) / 30);
  return Math.round((base + (random() - 0.5) * 2) * 1000) / 1000;
}
