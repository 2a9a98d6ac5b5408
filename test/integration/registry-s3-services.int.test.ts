// Two `gruwatch run` instances with one registry in S3-compatible storage (the
// SeaweedFS of deploy/local/services): both start on the current model; a
// promotion made elsewhere (the trainer, or `gruwatch models promote`) reaches
// both without a restart, and so does the rollback.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { configSchema } from '../../bin/config.js';
import { openModelRegistry } from '../../bin/open-model-registry.js';
import { type RunningService, startService } from '../../bin/service.js';
import { createSilentLogger, systemClock } from '../../core/index.js';
import { createAutoencoder, encodeArtifact } from '../../model/index.js';
import type { S3ModelRegistry } from '../../model/node/index.js';
import { freePort } from '../helpers/free-port.js';
import { describeWithServer, onTeardown, uniqueName, waitFor } from '../helpers/integration.js';
import { s3RegistrySettings } from '../helpers/services.js';

const channels = ['flow', 'speed'];
const T = 16;
const hop = 4;

function artifact(seed: number) {
  return encodeArtifact(createAutoencoder({ C: channels.length, T, H: 4 }, { seed }), {
    channels,
    hopSteps: hop,
    normalizer: { center: [0, 0], scale: [1, 1] },
    calibration: { type: 'quantile', value: 1, n: 120, stats: { q: 0.99, min: 0, max: 1, mean: 0.2 } },
    gruwatchVersion: '0.0.0-test',
  });
}

describeWithServer('mosquitto', 'two instances sharing an S3 registry', (mosquitto) => {
  describeWithServer('seaweedfs', 'follow the current pointer', (s3) => {
    it('serve what another instance promoted, then what it rolled back to, without a restart', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gruwatch-s3-services-'));
      onTeardown(() => rmSync(dir, { recursive: true, force: true }));
      const prefix = `${uniqueName('fleet')}/`;
      const configOf = async (instance: string) =>
        configSchema.parse({
          dataDir: join(dir, instance),
          instance,
          http: { port: await freePort() },
          ingest: {
            mqtt: {
              url: mosquitto.url,
              clientId: uniqueName(instance),
              topics: [`plants/${uniqueName('site')}/{asset}/telemetry`],
            },
            decoder: { type: 'json' },
            assets: [{ match: 'pump-*', model: 'pumps', channels }],
            window: { T, hop },
          },
          model: { windowSteps: T, hopSteps: hop, hiddenSize: 4 },
          detector: { scoring: { hopSteps: hop } },
          registry: {
            s3: s3RegistrySettings(s3, prefix),
          },
          retraining: { checkIntervalMs: 500 },
        });
      const configs = [await configOf('gruwatch-a'), await configOf('gruwatch-b')];
      const trainer = openModelRegistry(configs[0]!) as S3ModelRegistry;
      onTeardown(() => trainer.close());
      const v1 = await trainer.add('pumps', artifact(1));
      const v2 = await trainer.add('pumps', artifact(2));
      await trainer.promote('pumps', v1);

      const services: RunningService[] = [];
      for (const config of configs) {
        const service = await startService(config, { logger: createSilentLogger(), clock: systemClock });
        onTeardown(() => service.stop());
        services.push(service);
      }
      const servedVersions = async () =>
        Promise.all(
          services.map(async (service) => {
            const text = await (await fetch(`${service.url}/metrics`)).text();
            return /detector_model_info\{[^}]*version="([^"]+)"/.exec(text)?.[1];
          }),
        );
      expect(await servedVersions()).toEqual([v1, v1]);

      await trainer.promote('pumps', v2);
      await waitFor(async () => (await servedVersions()).every((v) => v === v2), {
        what: `both instances serving ${v2}`,
        timeoutMs: 20_000,
        intervalMs: 200,
      });
      await trainer.rollback('pumps');
      await waitFor(async () => (await servedVersions()).every((v) => v === v1), {
        what: `both instances back on ${v1}`,
        timeoutMs: 20_000,
        intervalMs: 200,
      });
    }, 90_000);
  });
});
