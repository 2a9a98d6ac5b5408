// `gruwatch retrain` as a scheduler runs it: the built CLI on a host with no store of its own reads
// the whole group from InfluxDB, warm-starts from the current model in the shared S3 registry,
// publishes the candidate there and promotes it; the instances follow the registry's pointer.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { configSchema } from '../../bin/config.js';
import { openModelRegistry } from '../../bin/open-model-registry.js';
import type { S3ModelRegistry } from '../../model/node/index.js';
import {
  plantFrames,
  retrainConfigInput,
  retrainPlant,
  untrainedPlantModel,
} from '../fixtures/retrain-plant.js';
import { scratchDatabase, writeFrames } from '../helpers/influxql.js';
import { describeWithServer, onTeardown, uniqueName } from '../helpers/integration.js';
import { gruwatchCli } from '../helpers/service-process.js';
import { s3RegistrySettings } from '../helpers/services.js';

const rows = 1_200;
const run = promisify(execFile);

/** Runs `gruwatch retrain` with `config`; resolves with its exit code, stdout and stderr. */
async function retrain(dir: string, config: Record<string, unknown>) {
  const file = join(dir, `${uniqueName('retrain')}.json`);
  writeFileSync(file, JSON.stringify(config));
  return run(process.execPath, [gruwatchCli, 'retrain', '-c', file, '--model', 'pumps'], {
    timeout: 180_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ ...err }),
  );
}

describeWithServer('influxdb', 'gruwatch retrain', (influxdb) => {
  describeWithServer('seaweedfs', 'with the registry in S3-compatible storage', (s3) => {
    it('retrains the group from InfluxDB once and moves the shared current pointer', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gruwatch-retrain-command-'));
      onTeardown(() => rmSync(dir, { recursive: true, force: true }));
      const { sinkSettings } = await scratchDatabase(influxdb, 'gw_retrain_command');
      // Two instances scored one pump each; both went to InfluxDB.
      await writeFrames(influxdb, sinkSettings, plantFrames('pump-1', 0, rows));
      await writeFrames(influxdb, sinkSettings, plantFrames('pump-2', 1, rows));
      const registrySettings = { s3: s3RegistrySettings(s3, `${uniqueName('retrain-command')}/`) };
      const input = (sink: Record<string, unknown>) => ({
        ...retrainConfigInput({
          model: { training: { epochs: 3, batchSize: 32, learningRate: 0.01, patience: 2, seed: 2 } },
          sinks: [sink],
          retraining: { enabled: false, source: 'influxdb', lookbackMs: rows * retrainPlant.periodMs },
        }),
        dataDir: join(dir, 'data'),
        registry: registrySettings,
      });
      const config = input(sinkSettings);
      const registry = openModelRegistry(configSchema.parse(config)) as S3ModelRegistry;
      onTeardown(() => registry.close());
      const current = await registry.add('pumps', untrainedPlantModel(5));
      await registry.promote('pumps', current);

      const done = await retrain(dir, config);
      expect(done.code, done.stderr).toBe(0);
      const lines = done.stdout.trim().split('\n');
      expect(lines).toHaveLength(1);
      const report = JSON.parse(lines[0]!);
      expect(report, done.stderr).toMatchObject({
        model: 'pumps',
        previousVersion: current,
        outcome: 'promoted',
      });
      expect(report.details.selection).toMatchObject({ assets: 2, rows: 2 * rows });
      expect(report.details.warmStartFrom).toBe(current);
      expect(await registry.current('pumps')).toBe(report.candidateVersion);
      expect(await registry.versions('pumps')).toEqual([current, report.candidateVersion]);

      // InfluxDB out of reach: a failure with the reason, and the pointer stays.
      const unreachable = await retrain(
        dir,
        input({ ...sinkSettings, url: 'http://127.0.0.1:9', timeoutMs: 2_000 }),
      );
      expect(unreachable.code).toBe(1);
      expect(unreachable.stderr).toMatch(/gruwatch: retraining of model "pumps" failed: /);
      expect(await registry.current('pumps')).toBe(report.candidateVersion);
    }, 300_000);
  });
});
