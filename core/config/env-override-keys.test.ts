// The names and kinds of the override variables, derived from the schema.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { secretSchema } from '../secret-schema.js';
import { envNameFor, listEnvOverrideKeys } from './env-override-keys.js';

describe('listEnvOverrideKeys', () => {
  it('names every leaf key in SCREAMING_SNAKE under the prefix, with its kind and description', () => {
    const schema = z.strictObject({
      ingest: z
        .strictObject({
          mqtt: z.strictObject({
            keepaliveSecs: z.number().default(30).describe('Seconds between pings.'),
            password: secretSchema.optional(),
            clean: z.boolean().default(true),
          }),
          topics: z.array(z.string()),
          mode: z.enum(['a', 'b']),
        })
        .optional(),
      limit: z.string().transform(Number),
    });
    expect(listEnvOverrideKeys(schema, 'APP_')).toEqual([
      {
        path: ['ingest', 'mqtt', 'keepaliveSecs'],
        envName: 'APP_INGEST__MQTT__KEEPALIVE_SECS',
        kind: 'number',
        description: 'Seconds between pings.',
      },
      { path: ['ingest', 'mqtt', 'password'], envName: 'APP_INGEST__MQTT__PASSWORD', kind: 'secret' },
      { path: ['ingest', 'mqtt', 'clean'], envName: 'APP_INGEST__MQTT__CLEAN', kind: 'boolean' },
      { path: ['ingest', 'topics'], envName: 'APP_INGEST__TOPICS', kind: 'yaml' },
      { path: ['ingest', 'mode'], envName: 'APP_INGEST__MODE', kind: 'string' },
      { path: ['limit'], envName: 'APP_LIMIT', kind: 'string' },
    ]);
  });

  it('keeps digits with the word before them', () => {
    expect(envNameFor('X_', ['s3', 'maxRetries2Secs'])).toBe('X_S3__MAX_RETRIES2_SECS');
  });
});
