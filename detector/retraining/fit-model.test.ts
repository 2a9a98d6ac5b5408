// The fitting path's configurable parts: the normalizer floors of `model.normalizer` and the
// channel spreads of `detector.scoring.channelNormalization` reach the artifact the service loads.
import { describe, expect, it } from 'vitest';
import { createGruKind, decodeArtifact, modelConfigSchema } from '../../model/index.js';
import { calibrationSchema, detectorConfigSchema } from '../index.js';
import { fitModel } from './fit-model.js';

const channels = ['flow', 'speed'];
const C = channels.length;
const N = 120;

/** A quantized flow (32.0, rare steps to 31 and 33) and a slow sine on a level of 100. */
function frames(): Float32Array {
  const out = new Float32Array(N * C);
  for (let i = 0; i < N; i++) {
    out[i * C] = i % 37 === 5 ? 31 : i % 41 === 9 ? 33 : 32;
    out[i * C + 1] = 100 + 0.5 * Math.sin(i / 7);
  }
  return out;
}

async function fitWith(model: Record<string, unknown>, scoring: Record<string, unknown>) {
  const config = modelConfigSchema.parse({
    windowSteps: 8,
    hopSteps: 1,
    hiddenSize: 4,
    training: { epochs: 2, batchSize: 16, patience: 0 },
    ...model,
  });
  const result = await fitModel({
    segments: [{ frames: frames(), startMs: 0 }],
    channels,
    periodMs: 1000,
    kind: createGruKind(config),
    window: { lengthSteps: config.windowSteps, hopSteps: config.hopSteps },
    gruwatchVersion: '0.0.0-test',
    detector: detectorConfigSchema.parse({ scoring, threshold: { type: 'mean_k_sigma', k: 4 } }),
    calibrationFraction: 0.3,
    isInWorker: false,
  });
  const { manifest } = decodeArtifact(result.bytes);
  return { result, manifest, calibration: calibrationSchema.parse(manifest.calibration) };
}

describe('fitModel options', () => {
  it('fits the normalizer with the floors of model.normalizer, and without them by default', async () => {
    const plain = await fitWith({}, {});
    // The robust scale of a channel that sits on one level is the fallback 1; of the sine, below 1.
    expect(plain.manifest.normalizer.scale[0]).toBe(1);
    expect(plain.manifest.normalizer.scale[1]).toBeLessThan(1);
    const floored = await fitWith({ normalizer: { stdFloor: true, relativeScaleFloor: 0.05 } }, {});
    expect(floored.manifest.normalizer.scale[0]).toBeCloseTo(0.05 * 32, 5);
    expect(floored.manifest.normalizer.scale[1]).toBeCloseTo(0.05 * plain.manifest.normalizer.center[1]!, 4);
    expect(floored.manifest.normalizer.center).toEqual(plain.manifest.normalizer.center);
  });

  it('stores channel spreads with the calibration when scoring normalizes channels', async () => {
    const plain = await fitWith({}, {});
    expect(plain.calibration.channelSpread).toBeUndefined();
    const normalized = await fitWith({}, { channelNormalization: 'calibrated' });
    expect(normalized.calibration.channelSpread).toHaveLength(C);
    for (const s of normalized.calibration.channelSpread!) expect(s).toBeGreaterThan(0);
    // Same seed and data: the same model, so only the score units differ.
    expect(normalized.result.summary.lossCurve).toEqual(plain.result.summary.lossCurve);
    expect(normalized.calibration.value).not.toBe(plain.calibration.value);
  });
});
