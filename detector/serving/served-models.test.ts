import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../bin/config.js';
import { createSilentLogger } from '../../core/index.js';
import { createGruKind, modelConfigSchema } from '../../model/index.js';
import { createModelRegistry } from '../../model/node/index.js';
import { smallServiceConfig, trainSmallModel } from '../../test/helpers/small-service.js';
import { createServedModels } from './served-models.js';

const dir = mkdtempSync(join(tmpdir(), 'gruwatch-served-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('served models', () => {
  it('keeps a group whose channels changed running without a model, saying it needs a new one', async () => {
    const registryDir = join(dir, 'models');
    await trainSmallModel(registryDir);
    const configFor = (channels: string[]) => {
      const base = smallServiceConfig(dir, 0, {
        mqtt: { url: 'mqtt://127.0.0.1:1', clientId: 'x', topics: ['p/{asset}'] },
      });
      return configSchema.parse({
        ...base,
        ingest: { ...base.ingest, assets: [{ match: '*', model: 'small', channels }] },
      });
    };
    const failures: unknown[] = [];
    const deps = {
      registry: createModelRegistry(registryDir),
      kinds: [createGruKind(modelConfigSchema.parse({}))],
      logger: createSilentLogger(),
      onLoadFailed: (_n: string, _v: string, err: unknown) => failures.push(err),
    };

    const added = createServedModels(configFor(['a', 'b', 'c']), deps);
    expect(await added.refresh()).toEqual([]);
    expect(failures).toEqual([]);
    const slot = added.slotOf('machine-1')!;
    expect(slot.served).toBeUndefined();
    expect(slot.needsNewModel).toContain('trained for channels [a, b]');
    expect(slot.needsNewModel).toContain('[a, b, c]');

    const same = createServedModels(configFor(['a', 'b']), deps);
    expect((await same.refresh()).map((c) => c.name)).toEqual(['small']);
    expect(same.slotOf('machine-1')?.needsNewModel).toBeUndefined();
  });
});
