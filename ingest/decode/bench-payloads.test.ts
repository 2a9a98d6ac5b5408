import { describe, expect, it } from 'vitest';
import { buildJsonBatchPayloads, buildSparkplugPayloads } from './bench-payloads.js';
import { createDecoder } from './create-decoder.js';

describe('bench payloads', () => {
  it.each([
    ['JSON batches', buildJsonBatchPayloads],
    ['Sparkplug DDATA', buildSparkplugPayloads],
  ] as const)('%s decode to exactly the promised readings for N assets × C channels', (_, build) => {
    const payloads = build({ assets: 3, channels: 5, ticks: 4, seed: 7 });
    const decoder = createDecoder(payloads.config);
    for (const m of payloads.setup) expect(decoder.decode(m.payload, m.context).ok).toBe(true);
    const seen = new Set<string>();
    let count = 0;
    for (const m of payloads.messages) {
      const result = decoder.decode(m.payload, m.context);
      if (!result.ok) throw new Error(result.issue.message);
      expect(result.partialIssues).toBeUndefined();
      count += result.readings.length;
      for (const r of result.readings) seen.add(`${r.assetId}|${r.channel}`);
    }
    expect(count).toBe(3 * 5 * 4);
    expect(payloads.readingCount).toBe(count);
    expect(seen.size).toBe(3 * 5);
  });

  it('gives the same bytes for the same seed and different bytes for another', () => {
    const a = buildJsonBatchPayloads({ assets: 2, channels: 2, ticks: 2, seed: 1 });
    const b = buildJsonBatchPayloads({ assets: 2, channels: 2, ticks: 2, seed: 1 });
    const c = buildJsonBatchPayloads({ assets: 2, channels: 2, ticks: 2, seed: 2 });
    expect(Buffer.from(a.messages[1].payload).equals(Buffer.from(b.messages[1].payload))).toBe(true);
    expect(Buffer.from(a.messages[1].payload).equals(Buffer.from(c.messages[1].payload))).toBe(false);
  });

  it('lets Sparkplug messages of 256 ticks replay in a loop without a sequence gap', () => {
    const payloads = buildSparkplugPayloads({ assets: 1, channels: 1, ticks: 256 });
    const decoder = createDecoder(payloads.config);
    for (const m of payloads.setup) decoder.decode(m.payload, m.context);
    for (let pass = 0; pass < 2; pass++) {
      for (const m of payloads.messages) expect(decoder.decode(m.payload, m.context).ok).toBe(true);
    }
  });
});
