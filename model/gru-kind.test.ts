import { describe, expect, it } from 'vitest';
import { decodeArtifact, encodeArtifact, type ManifestFields } from './artifact.js';
import { modelConfigSchema } from './config.js';
import { createAutoencoder } from './create-autoencoder.js';
import { createGruKind } from './gru-kind.js';

const channels = ['flow', 'pressure', 'temp'];
const config = modelConfigSchema.parse({ windowSteps: 8, hopSteps: 2, hiddenSize: 5 });
const fields: ManifestFields = {
  channels,
  hopSteps: 2,
  normalizer: { center: [1, 2, 3], scale: [0.5, 1, 2] },
  calibration: { quantile: 0.99, threshold: 0.42, perChannel: [0.1, 0.2, 0.3] },
  training: {
    dataRange: { startMs: 0, endMs: 86_400_000 },
    windows: 100,
    epochs: 1,
    bestEpoch: 1,
    lossCurve: [{ epoch: 1, trainLoss: 0.5, validationLoss: 0.6 }],
    seed: 4,
  },
  gruwatchVersion: '0.1.0',
  createdAt: '2026-01-01T00:00:00.000Z',
};
const stored = decodeArtifact(
  encodeArtifact(
    createAutoencoder({ C: 3, T: 8, H: 5 }, { seed: 4, feeding: config.decoderFeeding }),
    fields,
  ),
  { channels },
);

describe('the GRU kind: warm start', () => {
  it('starts from a stored model of the same shape and the same channels in the same order', () => {
    expect(createGruKind(config).canWarmStart(stored, channels)).toBe(true);
  });

  it('starts afresh when the group’s channels were renamed or reordered: each weight belongs to one channel', () => {
    const kind = createGruKind(config);
    expect(kind.canWarmStart(stored, ['flow', 'temp', 'pressure'])).toBe(false);
    expect(kind.canWarmStart(stored, ['flow', 'pressure', 'bearing_temp'])).toBe(false);
  });

  it('starts afresh when the window or hidden size changed', () => {
    expect(createGruKind({ ...config, hiddenSize: 6 }).canWarmStart(stored, channels)).toBe(false);
    expect(createGruKind({ ...config, windowSteps: 16 }).canWarmStart(stored, channels)).toBe(false);
  });
});
