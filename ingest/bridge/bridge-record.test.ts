// Readings → one Kafka record per asset, keyed by asset, readable by the json decoder.
import { describe, expect, it } from 'vitest';
import { decoderConfigSchema } from '../decode/config.js';
import { createDecoder } from '../decode/create-decoder.js';
import type { SensorReading } from '../reading.js';
import { toBridgeRecords } from './bridge-record.js';

const reading = (assetId: string, channel: string, timestampMs: number, value: number): SensorReading => ({
  assetId,
  channel,
  timestampMs,
  value,
});

describe('toBridgeRecords', () => {
  it('makes one record per asset, keyed by asset, in first-seen order, readings in their order', () => {
    const readings = [
      reading('pump-2', 'flow', 2000, 1.5),
      reading('pump-1', 'flow', 1000, 2),
      reading('pump-2', 'temp', 2000, -3),
      reading('pump-2', 'flow', 3000, 4),
    ];
    const records = toBridgeRecords(readings);
    expect(records.map((r) => r.key)).toEqual(['pump-2', 'pump-1']);
    expect(JSON.parse(records[0].value)).toEqual([
      { asset: 'pump-2', channel: 'flow', value: 1.5, ts: 2000 },
      { asset: 'pump-2', channel: 'temp', value: -3, ts: 2000 },
      { asset: 'pump-2', channel: 'flow', value: 4, ts: 3000 },
    ]);
  });

  it('gives records from which the default json decoder derives the key as asset and the same readings', () => {
    const t = Date.UTC(2026, 0, 1);
    const readings = [reading('spBv1.0-g/edge/dev', 'a/b', t, 0.1), reading('x', 'y', t + 1, 1e-9)];
    const decoder = createDecoder(decoderConfigSchema.parse({ type: 'json' }));
    const back = toBridgeRecords(readings).flatMap((r) => {
      const result = decoder.decode(new TextEncoder().encode(r.value), {
        topic: 'bridged',
        key: r.key,
        receivedAtMs: t,
      });
      if (!result.ok) throw new Error(result.issue.message);
      for (const x of result.readings) expect(x.assetId).toBe(r.key);
      return result.readings;
    });
    expect(back).toEqual(readings);
  });

  it('makes no record of no readings', () => {
    expect(toBridgeRecords([])).toEqual([]);
  });
});
