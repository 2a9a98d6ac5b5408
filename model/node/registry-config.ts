// The `registry` section: where model artifacts live when they are shared by several instances.
// Without it the registry is the local directory `model.registryDir` (or <dataDir>/models).
import { z } from 'zod';
import { Secret, secretSchema } from '../../core/index.js';

export const s3RegistryConfigSchema = z
  .strictObject({
    endpoint: z
      .url()
      .optional()
      .describe(
        'URL of the S3-compatible server (MinIO, SeaweedFS, Ceph RGW, …); omitted = AWS S3 of `region`.',
      ),
    bucket: z.string().min(3).max(63).describe('Bucket holding the registry; it must exist.'),
    prefix: z
      .string()
      .regex(
        /^([A-Za-z0-9._-]+\/)*$/,
        'a key prefix of path segments, each ending in "/" (e.g. "plant-a/models/")',
      )
      .default('')
      .describe(
        'Key prefix under which the registry lives, ending in "/"; several registries may share a bucket under different prefixes.',
      ),
    region: z.string().min(1).default('us-east-1').describe('Region the client signs for.'),
    forcePathStyle: z
      .boolean()
      .default(true)
      .describe(
        'Address buckets as <endpoint>/<bucket> (most self-hosted servers) rather than <bucket>.<endpoint>.',
      ),
    accessKeyId: secretSchema
      .optional()
      .describe(
        'Access key id; omitted = the AWS default credential chain (environment, profile, instance role).',
      ),
    secretAccessKey: secretSchema
      .optional()
      .describe('Secret access key (text, { env: NAME } or { file: PATH }); required with accessKeyId.'),
    requestTimeoutMs: z
      .int()
      .min(100)
      .max(600_000)
      .default(30_000)
      .describe('Bound of one request to the object store.'),
  })
  .refine((c) => (c.accessKeyId === undefined) === (c.secretAccessKey === undefined), {
    message: 'give accessKeyId and secretAccessKey together, or neither (default credential chain)',
    path: ['secretAccessKey'],
  })
  .describe(
    'A model registry in S3-compatible object storage, shared by every instance: immutable versions with SHA-256 checks, a `current` pointer object written last with a conditional write, promotions as one object each.',
  );

export const registryConfigSchema = z
  .strictObject({
    s3: s3RegistryConfigSchema
      .optional()
      .describe('Keep the registry in S3-compatible object storage instead of the local directory.'),
  })
  .describe(
    'Where the model registry lives. Omitted: the local directory model.registryDir. With several instances, give every instance the same `s3` registry and enable retraining on one of them only.',
  );

export type S3RegistryConfig = z.infer<typeof s3RegistryConfigSchema>;
export type RegistryConfig = z.infer<typeof registryConfigSchema>;

/**
 * The S3 registry's settings as plain data, secrets revealed: what a retraining child process is
 * handed so it can open the same registry. Never logged.
 */
export interface S3RegistryLocation {
  endpoint?: string;
  bucket: string;
  prefix: string;
  region: string;
  forcePathStyle: boolean;
  requestTimeoutMs: number;
  accessKeyId?: string;
  secretAccessKey?: string;
}

export function s3RegistryLocationOf(config: S3RegistryConfig): S3RegistryLocation {
  const { accessKeyId, secretAccessKey, ...rest } = config;
  return {
    ...rest,
    ...(accessKeyId instanceof Secret ? { accessKeyId: accessKeyId.reveal() } : {}),
    ...(secretAccessKey instanceof Secret ? { secretAccessKey: secretAccessKey.reveal() } : {}),
  };
}
