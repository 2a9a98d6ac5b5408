import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decoderConfigSchema } from './config.js';

describe('decoder config', () => {
  it('fills defaults for each decoder type', () => {
    expect(decoderConfigSchema.parse({ type: 'json' })).toMatchObject({
      assetField: 'asset',
      channelField: 'channel',
      valueField: 'value',
      timestampField: 'ts',
      channelsField: 'values',
      timestampUnit: 'auto',
      isTimestampRequired: true,
      maxFutureSkewMs: 300_000,
      earliestTimestampMs: Date.UTC(2000, 0, 1),
    });
    expect(decoderConfigSchema.parse({ type: 'influx-line' })).toMatchObject({
      timestampPrecision: 'ns',
      isTimestampRequired: false,
    });
    expect(decoderConfigSchema.parse({ type: 'sparkplug-b' })).toMatchObject({
      groupIds: [],
      nodeAssetTemplate: '{group}/{edge}',
      deviceAssetTemplate: '{group}/{edge}/{device}',
      isRebirthRequested: true,
    });
  });

  it('rejects a misspelled key, naming it', () => {
    const result = decoderConfigSchema.safeParse({ type: 'json', valueFeild: 'v' });
    expect(result.success).toBe(false);
    expect(z.prettifyError(result.error as z.ZodError)).toContain('valueFeild');
  });

  it('rejects empty path segments and unknown template fields', () => {
    expect(decoderConfigSchema.safeParse({ type: 'json', valueField: 'a..b' }).success).toBe(false);
    const template = decoderConfigSchema.safeParse({
      type: 'sparkplug-b',
      nodeAssetTemplate: '{group}/{device}',
    });
    expect(template.success).toBe(false);
    expect(z.prettifyError(template.error as z.ZodError)).toContain('nodeAssetTemplate');
    expect(
      decoderConfigSchema.safeParse({ type: 'sparkplug-b', deviceAssetTemplate: '{site}/{device}' }).success,
    ).toBe(false);
    expect(decoderConfigSchema.safeParse({ type: 'csv' }).success).toBe(false);
  });

  it('describes every option in full sentences', () => {
    const schema = z.toJSONSchema(decoderConfigSchema, { io: 'input' }) as {
      anyOf?: { properties: Record<string, { description?: string }> }[];
      oneOf?: { properties: Record<string, { description?: string }> }[];
    };
    const variants = schema.oneOf ?? schema.anyOf ?? [];
    expect(variants).toHaveLength(3);
    for (const variant of variants) {
      for (const [key, property] of Object.entries(variant.properties)) {
        expect(property.description, key).toMatch(/^[A-Z].*\.$/s);
      }
    }
  });
});
