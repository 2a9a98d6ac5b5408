import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evalPreset } from '../../detector/index.js';
import { loadEvalSettings } from './load-eval-settings.js';

function configFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'gruwatch-eval-preset-')), 'eval.yaml');
  writeFileSync(file, text);
  return file;
}

describe('eval settings', () => {
  it('takes the preset and lets a config file override single keys', () => {
    const settings = loadEvalSettings(
      configFile(
        'model: { hiddenSize: 8 }\ndetector: { threshold: { type: quantile, q: 0.95 } }\nlogging: { level: info }\n',
      ),
    );
    expect(settings.model.hiddenSize).toBe(8);
    expect(settings.model.windowSteps).toBe(evalPreset.model.windowSteps);
    expect(settings.detector.threshold).toEqual({ type: 'quantile', q: 0.95 });
    expect(settings.detector.alerts.minAboveMs).toBe(evalPreset.detector.alerts.minAboveMs);
    expect(settings.model.normalizer).toEqual(evalPreset.model.normalizer);
    expect(settings.holdoutFraction).toBe(evalPreset.eval.holdoutFraction);
  });

  it('names the section and file of an invalid setting', () => {
    const file = configFile('model: { hiddenSize: -1 }\n');
    expect(() => loadEvalSettings(file)).toThrow(new RegExp(`${file}: section "model" is invalid`));
    expect(() => loadEvalSettings(configFile('eval: { holdoutFraction: 2 }\n'))).toThrow(
      /section "eval" is invalid/,
    );
  });

  it("names both keys when a config file's clearBelowMs falls below the preset's fastClearMs", () => {
    const fastClearMs = evalPreset.detector.alerts.fastClearMs;
    const file = configFile(`detector: { alerts: { clearBelowMs: ${fastClearMs - 1} } }\n`);
    expect(() => loadEvalSettings(file)).toThrow(/alerts\.fastClearMs .* alerts\.clearBelowMs/);
  });
});
