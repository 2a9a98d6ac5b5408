// One trainer for a model group spread over several instances: with
// `retraining.source: influxdb` the retrain reads every asset of the group that
// InfluxDB holds, also those another instance scored (absent from this
// instance's store), and compares the candidate with the current model it
// loads from the shared registry in S3-compatible storage.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { configSchema } from '../../bin/config.js';
import { retrainJobDepsFor } from '../../bin/model-kinds.js';
import { openModelRegistry } from '../../bin/open-model-registry.js';
import { createSilentLogger, systemClock } from '../../core/index.js';
import { matchesAssetPattern } from '../../detector/index.js';
import {
  type RetrainJobInput,
  retrainingSettingsFor,
  runRetrainJob,
} from '../../detector/retraining/index.js';
import { createLocalStore, storeConfigSchema } from '../../detector/sinks/index.js';
import type { S3ModelRegistry } from '../../model/node/index.js';
import {
  plantFrames,
  retrainConfigInput,
  retrainPlant,
  untrainedPlantModel,
} from '../fixtures/retrain-plant.js';
import { scratchDatabase, writeFrames } from '../helpers/influxql.js';
import { describeWithServer, onTeardown, uniqueName } from '../helpers/integration.js';
import { s3RegistrySettings } from '../helpers/services.js';

const { channels, periodMs } = retrainPlant;
const rows = 1_200;

describeWithServer('influxdb', 'one trainer per model group', (influxdb) => {
  describeWithServer('seaweedfs', 'with the registry in S3-compatible storage', (s3) => {
    it('trains on every asset of the group that InfluxDB holds, not only the local store’s', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gruwatch-retrain-group-'));
      onTeardown(() => rmSync(dir, { recursive: true, force: true }));
      const { database, sinkSettings } = await scratchDatabase(influxdb, 'gw_retrain_group');
      const config = configSchema.parse({
        ...retrainConfigInput({
          model: { training: { epochs: 3, batchSize: 32, learningRate: 0.01, patience: 2, seed: 2 } },
          sinks: [sinkSettings],
          retraining: { source: 'influxdb', lookbackMs: rows * periodMs },
        }),
        registry: {
          s3: s3RegistrySettings(s3, `${uniqueName('group')}/`),
        },
      });

      // This instance scored pump-1; another instance scored pump-2. Both went to InfluxDB.
      const deps = { clock: systemClock, logger: createSilentLogger() };
      const storePath = join(dir, 'gruwatch.db');
      const local = createLocalStore({ ...storeConfigSchema.parse({}), path: storePath }, deps);
      local.commit({ scores: [], alerts: [], frames: plantFrames('pump-1', 0, rows) });
      local.close();
      await writeFrames(influxdb, sinkSettings, plantFrames('pump-1', 0, rows));
      await writeFrames(influxdb, sinkSettings, plantFrames('pump-2', 1, rows));

      // The current model lives in the shared registry.
      const registry = openModelRegistry(config) as S3ModelRegistry;
      onTeardown(() => registry.close());
      const current = await registry.add('pumps', untrainedPlantModel(5));
      await registry.promote('pumps', current);

      const input = (source: RetrainJobInput['source']): RetrainJobInput => ({
        model: 'pumps',
        channels: [...channels],
        groups: [{ match: 'pump-*', model: 'pumps' }],
        periodMs,
        window: { lengthSteps: config.model.windowSteps, hopSteps: config.model.hopSteps },
        detector: config.detector,
        settings: retrainingSettingsFor(config.retraining, 'pumps'),
        currentVersion: current,
        storePath,
        source,
        labels: [],
        silences: [],
        maintenance: [],
        trainedThroughMs: null,
      });
      const run = (source: RetrainJobInput['source']) =>
        runRetrainJob(input(source), {
          nowMs: () => Date.now(),
          matches: matchesAssetPattern,
          ...retrainJobDepsFor(config.model, registry),
        });

      const group = await run({
        type: 'influxdb',
        url: influxdb.url,
        token: influxdb.token,
        database,
        timeoutMs: 10_000,
      });
      expect(group.outcome, group.outcome === 'skipped' ? group.reason : '').toBe('candidate');
      expect(group.selection.assets).toBe(2);
      expect(group.selection.rows).toBe(2 * rows);
      // Compared with the current model, read from the object store.
      expect(group.outcome === 'candidate' && group.current).not.toBeNull();

      const alone = await run({ type: 'store' });
      expect(alone.selection.assets).toBe(1);
      expect(alone.selection.rows).toBe(rows);
    }, 120_000);
  });
});
