// The shared model registry against a real S3-compatible server (SeaweedFS from
// deploy/local/services): versions, promotions, rollback and pruning keep the
// local registry's semantics; a corrupted object is refused with its key named;
// a second instance follows the `current` pointer another one moved, without a
// restart. Every case has its own key prefix, so runs side by side cannot interfere.

import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { expect, it } from 'vitest';
import { type Config, configSchema } from '../../bin/config.js';
import { modelKindsFor } from '../../bin/model-kinds.js';
import { openModelRegistry } from '../../bin/open-model-registry.js';
import { createSilentLogger, isPipelineError } from '../../core/index.js';
import { createServedModels } from '../../detector/index.js';
import type { S3ModelRegistry } from '../../model/node/index.js';
import { retrainConfigInput, retrainPlant, untrainedPlantModel } from '../fixtures/retrain-plant.js';
import { describeWithServer, type Endpoints, onTeardown, uniqueName } from '../helpers/integration.js';
import { s3RegistrySettings } from '../helpers/services.js';

const { channels } = retrainPlant;

const artifact = untrainedPlantModel;

/**
 * A pass-through HTTP proxy to the S3 server that, once armed, holds the first request `matches`
 * picks until released. The Host header is passed on unchanged, so request signatures stay valid.
 */
function holdingProxy(target: string, matches: (method: string, path: string) => boolean) {
  let armed = false;
  let release: () => void = () => {};
  let signalHolding: () => void = () => {};
  const holding = new Promise<void>((resolve) => {
    signalHolding = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const forward = () => {
      const out = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      req.pipe(out);
    };
    if (armed && matches(req.method ?? '', decodeURIComponent(req.url ?? ''))) {
      armed = false;
      req.pause();
      signalHolding();
      void released.then(forward);
    } else forward();
  });
  const listening = new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    listening,
    holding,
    get url() {
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    arm() {
      armed = true;
    },
    release: () => release(),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function configFor(s3: Endpoints['seaweedfs'], prefix: string): Config {
  return configSchema.parse({
    ...retrainConfigInput(),
    registry: {
      s3: s3RegistrySettings(s3, prefix),
    },
  });
}

function open(config: Config): S3ModelRegistry {
  const registry = openModelRegistry(config) as S3ModelRegistry;
  onTeardown(() => registry.close());
  return registry;
}

async function refusal(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a refusal');
}

describeWithServer('seaweedfs', 'model registry in S3-compatible storage', (s3) => {
  const client = () => {
    const c = new S3Client({
      endpoint: s3.url,
      region: s3.region,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    });
    onTeardown(() => c.destroy());
    return c;
  };

  it('publishes, promotes, rolls back and prunes like the local registry', async () => {
    const prefix = `${uniqueName('registry')}/`;
    const registry = open(configFor(s3, prefix));
    const versions: string[] = [];
    for (const seed of [1, 2, 3])
      versions.push(await registry.add('pumps', artifact(seed), `2026010${seed}-000000000-aaaaa${seed}`));
    expect(await registry.versions('pumps')).toEqual(versions);
    expect(await registry.names()).toEqual(['pumps']);
    expect(await registry.current('pumps')).toBeUndefined();

    await registry.promote('pumps', versions[0]!);
    await registry.promote('pumps', versions[2]!);
    expect(await registry.current('pumps')).toBe(versions[2]);
    expect(await registry.previous('pumps')).toBe(versions[0]);
    const loaded = await registry.load('pumps', undefined, { channels: [...channels] });
    expect(loaded.version).toBe(versions[2]);
    expect(loaded.manifest.channels).toEqual(channels);

    expect(await registry.rollback('pumps')).toEqual({ from: versions[2], to: versions[0] });
    expect(await registry.current('pumps')).toBe(versions[0]);
    expect((await registry.load('pumps')).version).toBe(versions[0]);

    // Versions are immutable: the same version cannot be written twice.
    const again = await refusal(registry.add('pumps', artifact(9), versions[1]));
    expect(isPipelineError(again, 'MODEL_ARTIFACT_INVALID')).toBe(true);
    expect(again.message).toMatch(/already exists.*immutable/);

    // The newest version and the current one stay; the one in between goes.
    const removed = await registry.prune('pumps', { keepNewest: 1 });
    expect(removed).toEqual([versions[1]]);
    expect(await registry.versions('pumps')).toEqual([versions[0], versions[2]]);
  });

  it('refuses a version whose objects were corrupted, naming the object', async () => {
    const prefix = `${uniqueName('registry')}/`;
    const registry = open(configFor(s3, prefix));
    const good = await registry.add('pumps', artifact(1));
    await registry.promote('pumps', good);
    const bad = await registry.add('pumps', artifact(2));
    const bytes = artifact(2);
    const flipped = new Uint8Array(bytes.weightsBytes);
    flipped[17] = flipped[17]! ^ 0xff;
    const s = client();
    const weightsKey = `${prefix}pumps/versions/${bad}/weights.f32`;
    await s.send(new PutObjectCommand({ Bucket: s3.bucket, Key: weightsKey, Body: flipped }));

    const loadErr = await refusal(registry.load('pumps', bad));
    expect(isPipelineError(loadErr, 'MODEL_ARTIFACT_INVALID')).toBe(true);
    expect(loadErr.message).toContain(weightsKey);
    expect(loadErr.message).toMatch(/SHA-256/);
    // Promotion checks the version first: the pointer stays on the good one.
    expect(isPipelineError(await refusal(registry.promote('pumps', bad)), 'MODEL_ARTIFACT_INVALID')).toBe(
      true,
    );
    expect(await registry.current('pumps')).toBe(good);

    // The manifest is checked against the seal too (its own checksum covers only the weights).
    const manifestKey = `${prefix}pumps/versions/${good}/manifest.json`;
    const manifest = JSON.parse(artifact(1).manifestJson) as { normalizer: { scale: number[] } };
    manifest.normalizer.scale = [2, 2, 2];
    await s.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: manifestKey, Body: JSON.stringify(manifest) }),
    );
    const manifestErr = await refusal(registry.load('pumps'));
    expect(isPipelineError(manifestErr, 'MODEL_ARTIFACT_INVALID')).toBe(true);
    expect(manifestErr.message).toContain(manifestKey);
  });

  it('a second instance follows the pointer another one moved, without a restart', async () => {
    const prefix = `${uniqueName('registry')}/`;
    const config = configFor(s3, prefix);
    const trainer = open(config);
    const follower = open(config);
    const v1 = await trainer.add('pumps', artifact(1));
    await trainer.promote('pumps', v1);
    const served = createServedModels(config, {
      registry: follower,
      kinds: modelKindsFor(config.model),
      logger: createSilentLogger(),
    });
    expect((await served.refresh()).map((c) => c.toVersion)).toEqual([v1]);
    expect(await served.refresh()).toEqual([]);

    const v2 = await trainer.add('pumps', artifact(2));
    await trainer.promote('pumps', v2);
    const changes = await served.refresh();
    expect(changes).toEqual([{ name: 'pumps', fromVersion: v1, toVersion: v2, isRollback: false }]);
    expect(served.slotOf('pump-7')?.served?.version).toBe(v2);

    await trainer.rollback('pumps');
    expect((await served.refresh()).map((c) => [c.toVersion, c.isRollback])).toEqual([[v1, true]]);
  });

  it('tells a writer that another one moved the pointer first', async () => {
    const prefix = `${uniqueName('registry')}/`;
    // Writer A reaches the server through a proxy that holds its pointer write until B has promoted.
    const held = holdingProxy(
      s3.url,
      (method, path) => method === 'PUT' && path.includes(`${prefix}pumps/current`),
    );
    await held.listening;
    onTeardown(() => held.close());
    const a = open(configFor({ ...s3, url: held.url }, prefix));
    const b = open(configFor(s3, prefix));
    const v1 = await a.add('pumps', artifact(1));
    const v2 = await a.add('pumps', artifact(2));
    await a.promote('pumps', v1);

    held.arm();
    const late = refusal(a.promote('pumps', v2));
    await held.holding;
    // Even a promotion of the version already current replaces the pointer (no ABA).
    await b.promote('pumps', v1);
    held.release();
    const err = await late;
    expect(isPipelineError(err, 'MODEL_REGISTRY_UNAVAILABLE')).toBe(true);
    expect(err.message).toMatch(/another writer moved the current pointer/);
    expect(await b.current('pumps')).toBe(v1);
    // A refused promotion is not logged.
    const logged = await client().send(
      new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${prefix}pumps/promotions/` }),
    );
    expect(logged.KeyCount).toBe(2);
  });
});
