// The model registry in S3-compatible object storage, shared by every instance of a deployment,
// with the local registry's semantics:
//
//   <prefix><name>/versions/<version>/manifest.json, weights.f32   (the artifact)
//   <prefix><name>/versions/<version>/seal.json                    (written last: sizes and SHA-256s)
//   <prefix><name>/current                                         (pointer: version + manifest SHA-256)
//   <prefix><name>/promotions/<ms>-<random>                        (one object per promotion)
//
// A version is visible only once its seal exists, and the seal is written with `If-None-Match: *`,
// so a version is never overwritten. Loading checks the manifest against the seal's SHA-256 and the
// weights against the manifest's, so a corrupted object is refused with its key named. The pointer
// is one small object replaced with `If-Match: <ETag>` (or `If-None-Match: *` for the first), so of
// two concurrent promotions one wins and the other is told; a reader sees the old or the new
// pointer, never a mix. The promotion is logged after the pointer, as the local registry does.
import { createHash, randomBytes } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { PipelineError } from '../../core/errors.js';
import { type ArtifactBytes, decodeKindArtifact as decodeArtifact } from '../artifact.js';
import { checkName, type ModelRegistry, newModelVersion } from './model-registry.js';
import { previousVersion, rollBack } from './promotions-log.js';
import type { S3RegistryLocation } from './registry-config.js';

interface Seal {
  manifestSha256: string;
  weightsSha256: string;
  weightsBytes: number;
}

interface Pointer {
  version: string;
  manifestSha256: string;
  /** When and by which write: every pointer write differs, so its ETag does (no ABA). */
  promotedAtMs: number;
  write: string;
}

export interface S3ModelRegistry extends ModelRegistry {
  /** The settings it was opened with, secrets included: for a retraining child process only. */
  readonly location: S3RegistryLocation;
  close(): void;
}

const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

function statusOf(err: unknown): number | undefined {
  return err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;
}

export function createS3ModelRegistry(
  location: S3RegistryLocation,
  nowMs: () => number = Date.now,
): S3ModelRegistry {
  const client = new S3Client({
    region: location.region,
    forcePathStyle: location.forcePathStyle,
    ...(location.endpoint === undefined ? {} : { endpoint: location.endpoint }),
    ...(location.accessKeyId === undefined || location.secretAccessKey === undefined
      ? {}
      : { credentials: { accessKeyId: location.accessKeyId, secretAccessKey: location.secretAccessKey } }),
    requestHandler: {
      requestTimeout: location.requestTimeoutMs,
      connectionTimeout: location.requestTimeoutMs,
    },
    maxAttempts: 3,
  });
  const { bucket, prefix } = location;
  const where = `s3://${bucket}/${prefix}`;
  const key = (name: string, ...rest: string[]) => [`${prefix}${name}`, ...rest].join('/');
  const versionKey = (name: string, version: string, file: string) => key(name, 'versions', version, file);

  const unavailable = (what: string, err: unknown, details: Record<string, unknown> = {}): PipelineError =>
    new PipelineError(
      'MODEL_REGISTRY_UNAVAILABLE',
      `the model registry ${where} could not ${what}: ${(err as Error)?.message ?? String(err)}; check registry.s3 (endpoint, bucket, credentials)`,
      { cause: err, retriable: true, details: { bucket, prefix, ...details } },
    );

  /** The object's bytes and ETag; undefined when it does not exist. */
  const get = async (k: string): Promise<{ body: Uint8Array; etag: string | undefined } | undefined> => {
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: k }));
      const body = await out.Body?.transformToByteArray();
      return { body: body ?? new Uint8Array(0), etag: out.ETag };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw unavailable(`read ${k}`, err, { key: k });
    }
  };

  const put = async (
    k: string,
    body: Uint8Array | string,
    condition: { ifMatch?: string; ifNoneMatch?: '*' } = {},
  ) => {
    try {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: k,
          Body: body,
          ...(condition.ifMatch === undefined ? {} : { IfMatch: condition.ifMatch }),
          ...(condition.ifNoneMatch === undefined ? {} : { IfNoneMatch: condition.ifNoneMatch }),
        }),
      );
    } catch (err) {
      const status = statusOf(err);
      if (status === 412 || status === 409) return false;
      throw unavailable(`write ${k}`, err, { key: k });
    }
    return true;
  };

  /** Every key under the prefix (paginated). */
  const list = async (
    keyPrefix: string,
    delimiter?: string,
  ): Promise<{ keys: string[]; prefixes: string[] }> => {
    const keys: string[] = [];
    const prefixes: string[] = [];
    let token: string | undefined;
    try {
      do {
        const out = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: keyPrefix,
            ...(delimiter === undefined ? {} : { Delimiter: delimiter }),
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
        );
        for (const o of out.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
        for (const p of out.CommonPrefixes ?? []) if (p.Prefix !== undefined) prefixes.push(p.Prefix);
        token = out.IsTruncated === true ? out.NextContinuationToken : undefined;
      } while (token !== undefined);
    } catch (err) {
      throw unavailable(`list ${keyPrefix}`, err, { key: keyPrefix });
    }
    return { keys, prefixes };
  };

  const corrupt = (name: string, version: string, k: string, why: string): PipelineError =>
    new PipelineError(
      'MODEL_ARTIFACT_INVALID',
      `model "${name}" version ${version} in ${where}: ${k} ${why}; the object is corrupted or incomplete, promote or roll back to another version`,
      { details: { name, version, key: k } },
    );

  const readPointer = async (
    name: string,
  ): Promise<{ pointer: Pointer | undefined; etag: string | undefined }> => {
    checkName('model name', name);
    const got = await get(key(name, 'current'));
    if (got === undefined) return { pointer: undefined, etag: undefined };
    try {
      const pointer = JSON.parse(new TextDecoder().decode(got.body)) as Pointer;
      if (typeof pointer.version !== 'string' || typeof pointer.manifestSha256 !== 'string')
        throw new Error('fields');
      return { pointer, etag: got.etag };
    } catch {
      throw corrupt(name, '(current)', key(name, 'current'), 'is not a registry pointer');
    }
  };

  const readSeal = async (name: string, version: string): Promise<Seal> => {
    const k = versionKey(name, version, 'seal.json');
    const got = await get(k);
    if (got === undefined)
      throw new PipelineError(
        'MODEL_ARTIFACT_INVALID',
        `model "${name}" has no version ${version} in ${where}`,
        {
          details: { name, version, key: k },
        },
      );
    try {
      return JSON.parse(new TextDecoder().decode(got.body)) as Seal;
    } catch {
      throw corrupt(name, version, k, 'is not a version seal');
    }
  };

  /** Reads a version's two objects and checks them against its seal before decoding. */
  const readVersion = async (name: string, version: string, seal: Seal) => {
    const manifestKey = versionKey(name, version, 'manifest.json');
    const weightsKey = versionKey(name, version, 'weights.f32');
    const [manifest, weights] = await Promise.all([get(manifestKey), get(weightsKey)]);
    if (manifest === undefined) throw corrupt(name, version, manifestKey, 'is missing');
    if (weights === undefined) throw corrupt(name, version, weightsKey, 'is missing');
    if (sha256(manifest.body) !== seal.manifestSha256)
      throw corrupt(name, version, manifestKey, `fails its SHA-256 check (seal ${seal.manifestSha256})`);
    if (weights.body.byteLength !== seal.weightsBytes || sha256(weights.body) !== seal.weightsSha256)
      throw corrupt(name, version, weightsKey, `fails its SHA-256 check (seal ${seal.weightsSha256})`);
    // A copy: the SDK's buffer may be a view into a larger pool that Float32Array cannot align on.
    const bytes: ArtifactBytes = {
      manifestJson: new TextDecoder().decode(manifest.body),
      weightsBytes: new Uint8Array(weights.body),
    };
    return bytes;
  };

  const promotionLines = async (name: string): Promise<string[]> => {
    const { keys } = await list(key(name, 'promotions', ''));
    const lines: string[] = [];
    for (const k of keys.sort()) {
      const got = await get(k);
      if (got !== undefined) lines.push(new TextDecoder().decode(got.body));
    }
    return lines;
  };

  const registry: S3ModelRegistry = {
    dir: where,
    location,
    close() {
      client.destroy();
    },
    async add(name, bytes, version) {
      checkName('model name', name);
      const v = version ?? newModelVersion(nowMs());
      checkName('model version', v);
      decodeArtifact(bytes); // never store what cannot be loaded
      const sealKey = versionKey(name, v, 'seal.json');
      if ((await get(sealKey)) !== undefined)
        throw new PipelineError(
          'MODEL_ARTIFACT_INVALID',
          `model "${name}" version ${v} already exists in ${where}; versions are immutable`,
          {
            details: { name, version: v },
          },
        );
      await put(versionKey(name, v, 'weights.f32'), bytes.weightsBytes);
      await put(versionKey(name, v, 'manifest.json'), bytes.manifestJson);
      const seal: Seal = {
        manifestSha256: sha256(bytes.manifestJson),
        weightsSha256: sha256(bytes.weightsBytes),
        weightsBytes: bytes.weightsBytes.byteLength,
      };
      if (!(await put(sealKey, JSON.stringify(seal), { ifNoneMatch: '*' })))
        throw new PipelineError(
          'MODEL_ARTIFACT_INVALID',
          `model "${name}" version ${v} was written concurrently by another writer in ${where}`,
          {
            details: { name, version: v },
          },
        );
      return v;
    },
    async promote(name, version, how = 'promote') {
      checkName('model name', name);
      checkName('model version', version);
      const seal = await readSeal(name, version);
      decodeArtifact(await readVersion(name, version, seal));
      const { etag } = await readPointer(name);
      const pointer: Pointer = {
        version,
        manifestSha256: seal.manifestSha256,
        promotedAtMs: nowMs(),
        write: randomBytes(8).toString('hex'),
      };
      const written = await put(
        key(name, 'current'),
        JSON.stringify(pointer),
        etag === undefined ? { ifNoneMatch: '*' } : { ifMatch: etag },
      );
      // A refused write whose pointer names this version already landed: the client retried a
      // request the server had applied, or another writer promoted the same version.
      if (!written && (await readPointer(name)).pointer?.version !== version)
        throw new PipelineError(
          'MODEL_REGISTRY_UNAVAILABLE',
          `model "${name}": another writer moved the current pointer in ${where} while ${version} was being promoted; look at \`gruwatch models list\` and promote again if still wanted`,
          { retriable: true, details: { name, version } },
        );
      const atMs = pointer.promotedAtMs;
      // After the pointer: a crash in between leaves a log one promotion short, never a log naming
      // a version that did not become current. Keys sort by time, then by a random tie-breaker.
      const logKey = key(
        name,
        'promotions',
        `${String(atMs).padStart(15, '0')}-${randomBytes(4).toString('hex')}`,
      );
      await put(logKey, `${atMs} ${version} ${how}\n`);
    },
    async current(name) {
      return (await readPointer(name)).pointer?.version;
    },
    async previous(name) {
      const now = await registry.current(name);
      if (now === undefined) return undefined;
      return previousVersion(await promotionLines(name), now, () => registry.versions(name));
    },
    async rollback(name) {
      return rollBack(registry, name);
    },
    async versions(name) {
      checkName('model name', name);
      const base = key(name, 'versions', '');
      const { keys } = await list(base);
      return keys
        .filter((k) => k.endsWith('/seal.json'))
        .map((k) => k.slice(base.length, -'/seal.json'.length))
        .sort();
    },
    async names() {
      const { prefixes } = await list(prefix, '/');
      return prefixes
        .map((p) => p.slice(prefix.length, -1))
        .filter((n) => {
          try {
            checkName('model name', n);
            return true;
          } catch {
            return false;
          }
        })
        .sort();
    },
    async prune(name, options) {
      const all = await registry.versions(name);
      const keep = new Set([...all.slice(-Math.max(0, options.keepNewest)), ...(options.protect ?? [])]);
      const now = await registry.current(name);
      if (now !== undefined) keep.add(now);
      const before = await registry.previous(name);
      if (before !== undefined) keep.add(before);
      const removed = all.filter((v) => !keep.has(v));
      for (const v of removed) {
        // The seal first: the version leaves the listing before its objects go.
        for (const file of ['seal.json', 'manifest.json', 'weights.f32']) {
          try {
            await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: versionKey(name, v, file) }));
          } catch (err) {
            throw unavailable(`delete ${versionKey(name, v, file)}`, err);
          }
        }
      }
      return removed;
    },
    async load(name, version, expect = {}) {
      let v = version;
      let seal: Seal;
      if (v === undefined) {
        const { pointer } = await readPointer(name);
        if (pointer === undefined)
          throw new PipelineError(
            'MODEL_ARTIFACT_INVALID',
            `model "${name}" has no current version in ${where}; train one with \`gruwatch train\` first`,
            { details: { name, dir: where } },
          );
        v = pointer.version;
        seal = await readSeal(name, v);
        if (seal.manifestSha256 !== pointer.manifestSha256)
          throw corrupt(name, v, versionKey(name, v, 'seal.json'), 'does not match the current pointer');
      } else seal = await readSeal(name, v);
      const bytes = await readVersion(name, v, seal);
      return { ...decodeArtifact(bytes, expect), name, version: v };
    },
  };
  return registry;
}
