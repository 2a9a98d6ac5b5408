import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.js';
import { createDecoder, type DecodeResult, decoderConfigSchema } from '../decode/index.js';
import type { SensorReading } from '../reading.js';
import { buildJsonMessage } from './json-message.js';
import { createPlant, type PlantTick, tickReadings } from './plant.js';
import { createSparkplugSession } from './sparkplug-session.js';

const startMs = Date.UTC(2026, 3, 1, 12, 0, 0);
const sortReadings = (r: SensorReading[]): SensorReading[] =>
  [...r].sort(
    (a, b) =>
      a.timestampMs - b.timestampMs ||
      a.assetId.localeCompare(b.assetId) ||
      a.channel.localeCompare(b.channel),
  );

function plantTicks(): { ticks: PlantTick[]; assets: ReturnType<typeof createPlant>['assets'] } {
  const plant = createPlant({
    assets: 3,
    kind: 'pump',
    seed: 21,
    startMs,
    periodMs: 1000,
    anomalies: [
      { asset: 'pump-002', channel: 'flow_m3h', kind: 'dropout', startMs: startMs + 2000, durationMs: 3000 },
    ],
  });
  return { ticks: [...plant.generate(startMs + 300_000)], assets: plant.assets };
}

function readingsOf(results: DecodeResult[]): SensorReading[] {
  return results.flatMap((r) => {
    if (!r.ok) throw new Error(`rejected: ${r.issue.reason} ${r.issue.message}`);
    expect(r.partialIssues ?? []).toEqual([]);
    return r.readings;
  });
}

describe('what the project decoders read from the simulator formats', () => {
  it('json: the default json decoder yields exactly the plant readings', () => {
    const { ticks, assets } = plantTicks();
    const decoder = createDecoder(decoderConfigSchema.parse({ type: 'json' }));
    const results = ticks.flatMap((tick) =>
      tick.frames.flatMap((frame, a) => {
        const message = buildJsonMessage(frame, assets[a].channels, tick.timestampMs);
        if (message === undefined) return [];
        const payload = new TextEncoder().encode(JSON.stringify(message));
        return [
          decoder.decode(payload, {
            topic: `plants/site-1/${frame.assetId}/telemetry`,
            receivedAtMs: tick.timestampMs,
          }),
        ];
      }),
    );
    const expected = ticks.flatMap((t) => tickReadings(t, assets));
    expect(sortReadings(readingsOf(results))).toEqual(sortReadings(expected));
    expect(expected.filter((r) => r.assetId === 'pump-002' && r.channel === 'flow_m3h')).toHaveLength(
      300 - 3,
    );
  });

  it('sparkplug-b: births then DDATA decode to the plant readings, seq wrapping past 255 without a gap', () => {
    const { ticks, assets } = plantTicks();
    const session = createSparkplugSession({ group: 'plant', edgeNode: 'sim', assets, bdSeq: 7 });
    const decoder = createDecoder(
      decoderConfigSchema.parse({
        type: 'sparkplug-b',
        deviceAssetTemplate: '{device}',
        isRebirthRequested: false,
      }),
      { clock: new ManualClock(startMs) },
    );
    const results: DecodeResult[] = [];
    const topics: string[] = [];
    for (const tick of ticks) {
      for (const m of session.messagesFor(tick)) {
        topics.push(m.topic);
        results.push(decoder.decode(m.payload, { topic: m.topic, receivedAtMs: tick.timestampMs }));
      }
    }
    expect(topics.slice(0, 5)).toEqual([
      'spBv1.0/plant/NBIRTH/sim',
      'spBv1.0/plant/DBIRTH/sim/pump-001',
      'spBv1.0/plant/DBIRTH/sim/pump-002',
      'spBv1.0/plant/DBIRTH/sim/pump-003',
      'spBv1.0/plant/DDATA/sim/pump-001',
    ]);
    expect(topics.length).toBeGreaterThan(256);
    const expected = ticks.flatMap((t) => tickReadings(t, assets));
    expect(sortReadings(readingsOf(results))).toEqual(sortReadings(expected));
  });

  it('sparkplug-b: a rebirth request restarts with births at seq 0, and the NDEATH carries the bdSeq', () => {
    const { ticks, assets } = plantTicks();
    const session = createSparkplugSession({ group: 'g', edgeNode: 'e', assets, bdSeq: 42 });
    session.messagesFor(ticks[0]);
    expect(session.messagesFor(ticks[1]).map((m) => m.topic)).toEqual(
      assets.map((a) => `spBv1.0/g/DDATA/e/${a.assetId}`),
    );
    session.requestRebirth();
    const rebirth = session.messagesFor(ticks[2]);
    expect(rebirth.map((m) => m.topic)).toEqual([
      'spBv1.0/g/NBIRTH/e',
      ...assets.map((a) => `spBv1.0/g/DBIRTH/e/${a.assetId}`),
    ]);
    // Births carry the tick's values; pump-002 flow is dropped out at this tick and declared as null.
    const decoder = createDecoder(
      decoderConfigSchema.parse({ type: 'sparkplug-b', deviceAssetTemplate: '{device}' }),
    );
    const born = rebirth.flatMap((m) => {
      const r = decoder.decode(m.payload, { topic: m.topic, receivedAtMs: ticks[2].timestampMs });
      return r.ok ? r.readings : [];
    });
    const expected = tickReadings(ticks[2], assets);
    expect(expected.some((r) => r.assetId === 'pump-002' && r.channel === 'flow_m3h')).toBe(false);
    expect(sortReadings(born)).toEqual(sortReadings(expected));
    const [next] = session.messagesFor(ticks[3]);
    const decodedNext = decoder.decode(next.payload, {
      topic: next.topic,
      receivedAtMs: ticks[3].timestampMs,
    });
    expect(decodedNext.ok).toBe(true);
    const death = decoder.decode(session.death.payload, {
      topic: session.death.topic,
      receivedAtMs: startMs,
    });
    expect(session.death.topic).toBe('spBv1.0/g/NDEATH/e');
    expect(death.ok).toBe(true);
  });

  it('recognises a Node Control/Rebirth NCMD for its own node only', async () => {
    const { assets } = plantTicks();
    const session = createSparkplugSession({ group: 'g', edgeNode: 'e', assets, bdSeq: 1 });
    const decoder = createDecoder(decoderConfigSchema.parse({ type: 'sparkplug-b' }), {
      clock: new ManualClock(startMs),
    });
    // Data from a node the decoder has no birth of makes it ask for a rebirth: use its own command.
    const { ticks } = plantTicks();
    session.messagesFor(ticks[0]);
    const ddata = session.messagesFor(ticks[1])[0];
    const result = decoder.decode(ddata.payload, { topic: ddata.topic, receivedAtMs: startMs });
    const command = result.commands?.[0];
    expect(command?.topic).toBe('spBv1.0/g/NCMD/e');
    expect(session.isRebirthCommand(command!.topic, command!.payload)).toBe(true);
    expect(session.isRebirthCommand('spBv1.0/g/NCMD/other', command!.payload)).toBe(false);
    expect(session.isRebirthCommand('spBv1.0/g/NCMD/e', new Uint8Array([1, 2, 3]))).toBe(false);
  });
});
