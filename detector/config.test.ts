// The detector config section: defaults, cross-field rules and documentation of every key.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { detectorConfigSchema } from './config.js';

function errorText(input: unknown): string {
  const result = detectorConfigSchema.safeParse(input);
  if (result.success) throw new Error('expected the config to be rejected');
  return z.prettifyError(result.error);
}

describe('detectorConfigSchema', () => {
  it('fills every default from an empty section', () => {
    const config = detectorConfigSchema.parse({});
    expect(config.scoring).toEqual({ aggregate: 'mse_last_hop', hopSteps: 1 });
    expect(config.threshold).toEqual({ type: 'quantile', q: 0.999 });
    expect(config.alerts.flapping).toEqual({ enabled: true, windowMs: 3_600_000, maxTransitions: 6 });
    expect(config.alerts.hysteresis).toBeLessThan(1);
    expect(config.topChannels).toBe(3);
  });

  it('fills defaults inside a chosen threshold variant', () => {
    const config = detectorConfigSchema.parse({ threshold: { type: 'dynamic' } });
    expect(config.threshold.type).toBe('dynamic');
    if (config.threshold.type === 'dynamic') expect(config.threshold.windowSize).toBe(250);
  });

  it('rejects a misspelled key, naming it', () => {
    expect(errorText({ alerts: { minAboveMS: 5 } })).toContain('minAboveMS');
  });

  it('names both keys when the flapping window is too short', () => {
    const text = errorText({
      alerts: { minAboveMs: 1000, clearBelowMs: 1000, flapping: { windowMs: 1500 } },
    });
    expect(text).toContain('alerts.flapping.windowMs');
    expect(text).toContain('alerts.minAboveMs + alerts.clearBelowMs');
  });

  it('names both keys when the dynamic warm-up exceeds its window', () => {
    const text = errorText({ threshold: { type: 'dynamic', windowSize: 100, minScores: 200 } });
    expect(text).toContain('threshold.minScores');
    expect(text).toContain('threshold.windowSize');
  });

  it('leaves fast clearing off by default', () => {
    const { alerts } = detectorConfigSchema.parse({});
    expect(alerts.fastClearRatio).toBe(0);
    expect(alerts.fastClearMs).toBe(0);
  });

  it('names both keys when fastClearRatio exceeds the hysteresis factor', () => {
    const text = errorText({ alerts: { hysteresis: 0.8, fastClearRatio: 0.9 } });
    expect(text).toContain('alerts.fastClearRatio (0.9)');
    expect(text).toContain('alerts.hysteresis (0.8)');
  });

  it('names both keys when fastClearMs exceeds clearBelowMs', () => {
    const text = errorText({ alerts: { clearBelowMs: 10_000, fastClearMs: 20_000 } });
    expect(text).toContain('alerts.fastClearMs (20000)');
    expect(text).toContain('alerts.clearBelowMs (10000)');
  });

  it('rejects a hysteresis of 1 or more', () => {
    expect(errorText({ alerts: { hysteresis: 1 } })).toContain('hysteresis');
  });

  it('rejects a machine-off rule without a bound and an inverted band', () => {
    expect(errorText({ machineOff: [{ asset: '*', channel: 'speed' }] })).toContain(
      'machineOff.below or machineOff.above',
    );
    expect(errorText({ machineOff: [{ asset: '*', channel: 'speed', below: 10, above: 5 }] })).toContain(
      'machineOff.above',
    );
  });

  it('rejects unknown time zones, empty weekly windows and backwards intervals', () => {
    const weekly = { type: 'weekly', asset: 'pump-*', days: ['mon'], from: '10:00', to: '12:00' };
    expect(errorText({ maintenance: [{ ...weekly, timezone: 'Mars/Olympus' }] })).toContain('IANA time zone');
    expect(errorText({ maintenance: [{ ...weekly, to: '10:00' }] })).toContain('from and to must differ');
    expect(errorText({ maintenance: [{ ...weekly, from: '25:00' }] })).toContain('HH:MM');
    const interval = {
      type: 'interval',
      asset: 'pump-1',
      start: '2026-01-02T00:00:00Z',
      end: '2026-01-01T00:00:00Z',
    };
    expect(errorText({ maintenance: [interval] })).toContain('end must be later');
  });

  it('describes every field', () => {
    const schema = z.toJSONSchema(detectorConfigSchema, { io: 'input' }) as Record<string, unknown>;
    const missing: string[] = [];
    let seen = 0;
    const walk = (node: unknown, path: string): void => {
      if (node === null || typeof node !== 'object') return;
      const record = node as Record<string, unknown>;
      const properties = record.properties as Record<string, Record<string, unknown>> | undefined;
      if (properties) {
        for (const [key, child] of Object.entries(properties)) {
          seen += 1;
          if (typeof child.description !== 'string' || child.description.length < 10)
            missing.push(`${path}.${key}`);
          walk(child, `${path}.${key}`);
        }
      }
      for (const key of ['items', 'anyOf', 'oneOf', 'allOf']) {
        const value = record[key];
        if (Array.isArray(value)) {
          for (const [i, item] of value.entries()) walk(item, `${path}[${i}]`);
        } else if (value) walk(value, `${path}[]`);
      }
    };
    walk(schema, 'detector');
    expect(missing).toEqual([]);
    // The walk must have reached the nested sections, not just the top level.
    expect(seen).toBeGreaterThan(40);
  });
});
