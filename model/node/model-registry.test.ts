// The registry's durability and its bounded size: every step that makes a
// promotion visible (the `current` rename, the promotions line) reaches the
// disk before `promote` resolves, and pruning keeps what may be served again.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAutoencoder, encodeArtifact } from '../index.js';
import { createModelRegistry } from './model-registry.js';

// Which paths had an open handle synced, in order: the file-system calls are real, only observed.
const synced = vi.hoisted(() => [] as string[]);
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const open = async (path: string, ...rest: unknown[]): Promise<FileHandle> => {
    const fh = await (real.open as (...a: unknown[]) => Promise<FileHandle>)(path, ...rest);
    const sync = fh.sync.bind(fh);
    fh.sync = async () => {
      await sync();
      synced.push(resolve(path));
    };
    return fh;
  };
  return { ...real, open, default: { ...real, open } };
});

function tinyArtifactBytes() {
  return encodeArtifact(createAutoencoder({ C: 2, T: 8, H: 3 }, { seed: 7 }), {
    channels: ['flow', 'speed'],
    hopSteps: 4,
    normalizer: { center: [1, 2], scale: [3, 4] },
    calibration: { type: 'quantile', value: 1, n: 120, stats: { q: 0.99, min: 0, max: 1, mean: 0.2 } },
    gruwatchVersion: '0.0.0-test',
  });
}

describe('model registry', () => {
  let dir: string;
  let now = Date.UTC(2026, 0, 1);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gruwatch-registry-'));
    synced.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('syncs the promotions line and the directory of the renamed current pointer', async () => {
    const registry = createModelRegistry(dir, () => now);
    const v1 = await registry.add('m', tinyArtifactBytes());
    synced.length = 0;
    await registry.promote('m', v1);
    const modelDir = resolve(join(dir, 'm'));
    const renamedAt = synced.findIndex((p) => p.startsWith(join(modelDir, '.current.tmp-')));
    expect(renamedAt).toBeGreaterThanOrEqual(0);
    // The directory entry of the rename is synced after the temp file, then the log line.
    expect(synced.slice(renamedAt + 1)).toEqual([modelDir, join(modelDir, 'promotions')]);
    expect(await registry.current('m')).toBe(v1);
  });

  it('syncs the versions directory after a new version is renamed into place', async () => {
    const registry = createModelRegistry(dir, () => now);
    await registry.add('m', tinyArtifactBytes());
    expect(synced.at(-1)).toBe(resolve(join(dir, 'm', 'versions')));
  });

  it('prunes versions to the newest N plus current, previous and protected ones', async () => {
    const registry = createModelRegistry(dir, () => now);
    const versions: string[] = [];
    for (let i = 0; i < 12; i++) {
      now += 60_000;
      versions.push(await registry.add('m', tinyArtifactBytes()));
    }
    await registry.promote('m', versions[1]!);
    await registry.promote('m', versions[2]!); // current; versions[1] is previous
    const removed = await registry.prune('m', { keepNewest: 3, protect: [versions[5]!] });
    const kept = [versions[1], versions[2], versions[5], versions[9], versions[10], versions[11]];
    expect(await registry.versions('m')).toEqual(kept);
    expect(removed).toHaveLength(12 - kept.length);
    expect(readdirSync(join(dir, 'm', 'versions')).filter((f) => f.startsWith('.'))).toEqual([]);
    expect(await registry.previous('m')).toBe(versions[1]);
    await registry.rollback('m');
    expect(await registry.current('m')).toBe(versions[1]);
  });
});
