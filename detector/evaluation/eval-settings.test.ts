import { describe, expect, it } from 'vitest';
import { modelConfigSchema } from '../../model/index.js';
import { evalPreset } from './eval-preset.js';
import { resolveEvalSettings } from './eval-settings.js';

const settingsOf = (doc: unknown, source = 'eval.yaml') =>
  resolveEvalSettings(doc, source, modelConfigSchema);

describe('eval settings', () => {
  it('takes the preset and lets a config file override single keys', () => {
    const settings = settingsOf({
      model: { hiddenSize: 8 },
      detector: { threshold: { type: 'quantile', q: 0.95 } },
      logging: { level: 'info' },
    });
    expect(settings.model.hiddenSize).toBe(8);
    expect(settings.model.windowSteps).toBe(evalPreset.model.windowSteps);
    expect(settings.detector.threshold).toEqual({ type: 'quantile', q: 0.95 });
    expect(settings.detector.alerts.minAboveMs).toBe(evalPreset.detector.alerts.minAboveMs);
    expect(settings.model.normalizer).toEqual(evalPreset.model.normalizer);
    expect(settings.holdoutFraction).toBe(evalPreset.eval.holdoutFraction);
  });

  it('names the section and file of an invalid setting', () => {
    expect(() => settingsOf({ model: { hiddenSize: -1 } }, '/plant/eval.yaml')).toThrow(
      /\/plant\/eval\.yaml: section "model" is invalid/,
    );
    expect(() => settingsOf({ eval: { holdoutFraction: 2 } })).toThrow(/section "eval" is invalid/);
  });

  it("names both keys when a config file's clearBelowMs falls below the preset's fastClearMs", () => {
    const fastClearMs = evalPreset.detector.alerts.fastClearMs;
    expect(() => settingsOf({ detector: { alerts: { clearBelowMs: fastClearMs - 1 } } })).toThrow(
      /alerts\.fastClearMs .* alerts\.clearBelowMs/,
    );
  });

  it('refuses a config file that is not a mapping', () => {
    expect(() => settingsOf(['model'])).toThrow(/--config eval\.yaml must hold a mapping/);
  });
});
