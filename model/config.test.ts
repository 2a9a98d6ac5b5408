import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { modelConfigSchema } from './config.js';

describe('modelConfigSchema', () => {
  it('fills every default from an empty section', () => {
    const c = modelConfigSchema.parse({});
    expect(c.windowSteps).toBe(64);
    expect(c.decoderFeeding).toBe('latent-only');
    expect(c.training.batchSize).toBe(64);
    expect(c.training.truncatedBpttSteps).toBe(0);
    // No normalizer floor unless asked for: models fitted before the option behave the same.
    expect(c.normalizer).toEqual({ stdFloor: false, relativeScaleFloor: 0 });
  });

  it('rejects a misspelled key and a hop longer than the window, naming the option and the fix', () => {
    const typo = modelConfigSchema.safeParse({ hiddenSise: 32 });
    expect(typo.success).toBe(false);
    expect(z.prettifyError(typo.error!)).toMatch(/hiddenSise/);
    const hop = modelConfigSchema.safeParse({ windowSteps: 16, hopSteps: 32 });
    expect(hop.success).toBe(false);
    expect(hop.error!.issues[0].path).toEqual(['hopSteps']);
    expect(hop.error!.issues[0].message).toMatch(/lower hopSteps or raise windowSteps/);
  });

  it('describes every field in full sentences (the generated reference depends on it)', () => {
    const json = z.toJSONSchema(modelConfigSchema, { io: 'input' }) as {
      properties: Record<
        string,
        { description?: string; properties?: Record<string, { description?: string }> }
      >;
    };
    const fields = Object.entries(json.properties).flatMap(([k, v]) => [
      [k, v.description],
      ...Object.entries(v.properties ?? {}).map(([kk, vv]) => [`${k}.${kk}`, vv.description]),
    ]);
    expect(fields.length).toBeGreaterThan(10);
    const bad = fields.filter(([, d]) => !(typeof d === 'string' && /^[A-Z].*\.$/.test(d)));
    expect(bad).toEqual([]);
  });
});
