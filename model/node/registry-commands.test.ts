import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAutoencoder, encodeArtifact } from '../index.js';
import { createModelRegistry, type ModelRegistry } from './model-registry.js';
import { formatModelSummary } from './model-summary.js';
import { formatModelList, listModels, promoteModel, rollbackModel, showModel } from './registry-commands.js';

let dir: string;
let registry: ModelRegistry;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gruwatch-models-'));
  registry = createModelRegistry(dir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Adds a tiny untrained model version with a recorded training run and threshold. */
async function addVersion(name: string, version: string, threshold: number): Promise<void> {
  const model = createAutoencoder({ C: 2, T: 8, H: 3 }, { seed: 7 });
  const bytes = encodeArtifact(model, {
    channels: ['flow', 'speed'],
    hopSteps: 4,
    normalizer: { center: [1, 2], scale: [3, 4] },
    calibration: {
      type: 'quantile',
      value: threshold,
      n: 120,
      stats: { q: 0.99, min: 0, max: 1, mean: 0.2 },
    },
    training: {
      dataRange: { startMs: Date.UTC(2026, 0, 1), endMs: Date.UTC(2026, 0, 8) },
      windows: 500,
      epochs: 12,
      bestEpoch: 2,
      lossCurve: [
        { epoch: 1, trainLoss: 0.5, validationLoss: 0.6 },
        { epoch: 2, trainLoss: 0.25, validationLoss: 0.3 },
        { epoch: 3, trainLoss: 0.2, validationLoss: 0.35 },
      ],
      seed: 7,
    },
    gruwatchVersion: '0.0.0-test',
  });
  await registry.add(name, bytes, version);
}

describe('the registry commands', () => {
  it('lists every model with its versions and current one', async () => {
    expect(formatModelList(await listModels(registry), dir)).toBe(`no models in ${dir}\n`);
    await addVersion('pumps', 'v1', 0.5);
    await addVersion('pumps', 'v2', 0.6);
    await addVersion('fans', 'v1', 0.7);
    await registry.promote('pumps', 'v1');
    const rows = await listModels(registry);
    expect(rows).toEqual([
      { name: 'fans', versions: ['v1'], current: null },
      { name: 'pumps', versions: ['v1', 'v2'], current: 'v1' },
    ]);
    expect(formatModelList(rows, dir)).toContain('pumps\t2\tv1\tv2');
  });

  it('shows the manifest summary of the current or a named version', async () => {
    await addVersion('pumps', 'v1', 0.5);
    await addVersion('pumps', 'v2', 0.625);
    await expect(showModel(registry, 'pumps')).rejects.toThrow(/no current version; name one of: v1, v2/);
    await registry.promote('pumps', 'v1');
    expect(await showModel(registry, 'pumps')).toMatchObject({
      version: 'v1',
      current: true,
      dims: { C: 2, T: 8, H: 3 },
      channels: ['flow', 'speed'],
      training: {
        dataFrom: '2026-01-01T00:00:00.000Z',
        dataTo: '2026-01-08T00:00:00.000Z',
        windows: 500,
        epochs: 12,
        trainLoss: 0.25,
        validationLoss: 0.3,
      },
      threshold: { type: 'quantile', value: 0.5, samples: 120 },
    });
    const text = formatModelSummary(await showModel(registry, 'pumps', 'v2'));
    expect(text).toContain('version    v2\n');
    expect(text).toContain('threshold  0.625 (quantile, 120 held-out windows)');
    expect(text).toContain('C=2 T=8 H=3');
    await expect(showModel(registry, 'pumps', 'v9')).rejects.toThrow(/no version "v9"; it has: v1, v2/);
    await expect(showModel(registry, 'valves')).rejects.toThrow(/no model "valves"/);
  });

  it('promotes a version and rolls back to the one that served before, refusing when there is none', async () => {
    await addVersion('pumps', 'v1', 0.5);
    await addVersion('pumps', 'v2', 0.6); // a candidate that never served
    await addVersion('pumps', 'v3', 0.7);
    await expect(rollbackModel(registry, 'pumps')).rejects.toThrow(/no current version to roll back from/);

    expect(await promoteModel(registry, 'pumps', 'v1')).toContain('(none) -> v1');
    expect(await promoteModel(registry, 'pumps', 'v3')).toContain('v1 -> v3');
    expect(await registry.current('pumps')).toBe('v3');
    expect(await rollbackModel(registry, 'pumps')).toContain('rolled back from v3 to v1');
    expect(await registry.current('pumps')).toBe('v1');
    await expect(rollbackModel(registry, 'pumps')).rejects.toThrow(
      /no version that served before the current one \(v1\); nothing to roll back to/,
    );
    expect(await registry.current('pumps')).toBe('v1');
    await expect(promoteModel(registry, 'pumps', 'v7')).rejects.toThrow(/no version "v7"/);
    await expect(rollbackModel(registry, 'valves')).rejects.toThrow(/no model "valves"/);
    expect(await registry.current('pumps')).toBe('v1');
  });
});
