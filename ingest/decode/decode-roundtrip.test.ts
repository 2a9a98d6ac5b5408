// Round-trip properties: random valid readings, encoded the way a producer
// would (JSON.stringify, line protocol with escapes, Sparkplug via Tahu's
// encoder), must decode to exactly the same readings.
import fc from 'fast-check';
import sparkplugPayload from 'sparkplug-payload';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.js';
import type { SensorReading } from '../reading.js';
import { decoderConfigSchema } from './config.js';
import { createDecoder } from './create-decoder.js';
import type { DecodeResult } from './decoder.js';

const sparkplugB = sparkplugPayload.get('spBv1.0')!;
const receivedAtMs = Date.UTC(2024, 10, 25, 10, 30);
const encode = (text: string) => new TextEncoder().encode(text);
const timestampArb = fc.integer({ min: Date.UTC(2000, 0, 1), max: receivedAtMs });
// -0 is dropped: every text format writes it as 0. Values stay within float32 range: beyond it
// a reading is rejected (frames and models hold float32).
const valueArb = fc.double({ noNaN: true, min: -3.4e38, max: 3.4e38 }).map((v) => (Object.is(v, -0) ? 0 : v));

function readingsOf(result: DecodeResult): SensorReading[] {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.issue)}`);
  expect(result.partialIssues).toBeUndefined();
  return result.readings;
}

describe('round trips', () => {
  it('JSON batches decode to the readings they were written from', () => {
    const decoder = createDecoder(decoderConfigSchema.parse({ type: 'json' }));
    const readingArb = fc.record({
      assetId: fc.string({ minLength: 1, maxLength: 20 }),
      channel: fc.string({ minLength: 1, maxLength: 20 }),
      timestampMs: timestampArb,
      value: valueArb,
    });
    fc.assert(
      fc.property(fc.array(readingArb, { minLength: 1, maxLength: 20 }), (readings) => {
        const payload = JSON.stringify(
          readings.map((r) => ({ asset: r.assetId, channel: r.channel, value: r.value, ts: r.timestampMs })),
        );
        expect(readingsOf(decoder.decode(encode(payload), { topic: 't', receivedAtMs }))).toEqual(readings);
      }),
      { numRuns: 2_000 },
    );
  });

  it('line protocol with escaped names decodes to the readings it was written from', () => {
    const decoder = createDecoder(
      decoderConfigSchema.parse({ type: 'influx-line', timestampPrecision: 'ms' }),
    );
    // Any printable name, including the characters that need escaping; no control characters.
    const nameArb = fc.string({
      unit: fc.constantFrom('a', 'b', 'Z', '7', '_', '-', ' ', ',', '=', '\\', '"', 'é', '#'),
      minLength: 1,
      maxLength: 12,
    });
    const escapeMeasurement = (s: string) => s.replace(/[\\, ]/g, (c) => `\\${c}`);
    const escapeName = (s: string) => s.replace(/[\\, =]/g, (c) => `\\${c}`);
    const lineArb = fc.record({
      measurement: nameArb.filter((s) => !s.startsWith('#')),
      tags: fc.array(fc.tuple(nameArb, nameArb), { maxLength: 3 }),
      fields: fc.uniqueArray(fc.tuple(nameArb, valueArb), {
        minLength: 1,
        maxLength: 4,
        selector: ([k]) => k,
      }),
      timestampMs: timestampArb,
    });
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 5 }), (lines) => {
        const text = lines
          .map((l) => {
            const tags = l.tags.map(([k, v]) => `,${escapeName(k)}=${escapeName(v)}`).join('');
            const fields = l.fields.map(([k, v]) => `${escapeName(k)}=${v}`).join(',');
            return `${escapeMeasurement(l.measurement)}${tags} ${fields} ${l.timestampMs}`;
          })
          .join('\n');
        const expected = lines.flatMap((l) =>
          l.fields.map(([channel, value]) => ({
            assetId: l.measurement,
            channel,
            timestampMs: l.timestampMs,
            value,
          })),
        );
        expect(readingsOf(decoder.decode(encode(text), { topic: 't', receivedAtMs }))).toEqual(expected);
      }),
      { numRuns: 2_000 },
    );
  });

  it('Sparkplug DDATA by alias decodes to the metrics its DBIRTH named', () => {
    const nameArb = fc
      .string({ minLength: 1, maxLength: 16 })
      .filter((s) => s !== 'bdSeq' && !s.startsWith('Node Control/') && !s.startsWith('Device Control/'));
    const arb = fc.record({
      names: fc.uniqueArray(nameArb, { minLength: 1, maxLength: 8 }),
      values: fc.array(valueArb, { minLength: 8, maxLength: 8 }),
      timestampMs: timestampArb,
      seq: fc.integer({ min: 0, max: 255 }),
    });
    fc.assert(
      fc.property(arb, ({ names, values, timestampMs, seq }) => {
        const decoder = createDecoder(decoderConfigSchema.parse({ type: 'sparkplug-b' }), {
          clock: new ManualClock(receivedAtMs),
        });
        const context = (type: string, device = '/dev-1') => ({
          topic: `spBv1.0/g/${type}/e${device}`,
          receivedAtMs,
        });
        expectAccepted(
          decoder.decode(sparkplugB.encodePayload({ timestamp: timestampMs, seq }), context('NBIRTH', '')),
        );
        const birth = names.map((name, i) => ({ name, alias: i + 100, type: 'Double' as const, value: 0 }));
        readingsOf(
          decoder.decode(
            sparkplugB.encodePayload({ timestamp: timestampMs, seq: (seq + 1) % 256, metrics: birth }),
            context('DBIRTH'),
          ),
        );
        const data = names.map((_, i) => ({ alias: i + 100, type: 'Double' as const, value: values[i] }));
        const payload = sparkplugB.encodePayload({
          timestamp: timestampMs,
          seq: (seq + 2) % 256,
          metrics: data,
        });
        expect(readingsOf(decoder.decode(payload, context('DDATA')))).toEqual(
          names.map((channel, i) => ({ assetId: 'g/e/dev-1', channel, timestampMs, value: values[i] })),
        );
      }),
      { numRuns: 1_000 },
    );
  });
});

function expectAccepted(result: DecodeResult): void {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.issue)}`);
}
