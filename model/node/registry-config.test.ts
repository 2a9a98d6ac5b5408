// The `registry` section: credentials come in pairs, the prefix is a folder path, and the
// plain settings handed to a retraining child carry the revealed secrets.
import { describe, expect, it } from 'vitest';
import { registryConfigSchema, s3RegistryLocationOf } from './registry-config.js';

describe('registry config', () => {
  it('refuses an access key id without its secret, and a prefix that is not a folder path', () => {
    const one = registryConfigSchema.safeParse({ s3: { bucket: 'models', accessKeyId: 'k' } });
    expect(one.success).toBe(false);
    expect(one.error?.issues[0]?.message).toMatch(/together/);
    const prefix = registryConfigSchema.safeParse({ s3: { bucket: 'models', prefix: 'plant-a' } });
    expect(prefix.success).toBe(false);
  });

  it('redacts the secret in the parsed config and reveals it only in the child settings', () => {
    const parsed = registryConfigSchema.parse({
      s3: {
        endpoint: 'http://127.0.0.1:9000',
        bucket: 'models',
        prefix: 'a/b/',
        accessKeyId: 'key',
        secretAccessKey: 'shh',
      },
    });
    expect(JSON.stringify(parsed)).not.toContain('shh');
    const location = s3RegistryLocationOf(parsed.s3!);
    expect(location).toMatchObject({
      bucket: 'models',
      prefix: 'a/b/',
      accessKeyId: 'key',
      secretAccessKey: 'shh',
    });
    expect(location.forcePathStyle).toBe(true);
  });
});
