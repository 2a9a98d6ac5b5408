// The schema type for secrets in configuration. A secret is written in the
// YAML file as a literal string, or as `{ env: NAME }` / `{ file: PATH }` so
// that the value itself never has to sit in a config file. Resolution happens
// while the config is parsed, once, at start-up; the result is a Secret that
// redacts itself everywhere.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { Secret } from './secret.js';

const secretSourceSchema = z.union([
  z.string().min(1, 'must not be empty'),
  z.strictObject({ env: z.string().min(1).describe('Name of the environment variable holding the secret.') }),
  z.strictObject({
    file: z
      .string()
      .min(1)
      .describe('Path of a file holding the secret; one trailing line break is dropped, nothing else.'),
  }),
]);

export const secretSchema = secretSourceSchema
  .transform((source, ctx): Secret => {
    if (typeof source === 'string') return new Secret(source);
    if ('env' in source) {
      const value = process.env[source.env];
      if (value === undefined || value === '') {
        ctx.addIssue({
          code: 'custom',
          message: `environment variable ${source.env} is not set; set it or give the secret another way`,
        });
        return z.NEVER;
      }
      return new Secret(value);
    }
    let value: string;
    try {
      // One trailing line break is dropped (editors and `echo` add it); nothing else.
      value = readFileSync(source.file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        message: `cannot read secret file ${source.file}: ${(err as Error).message}`,
      });
      return z.NEVER;
    }
    if (value === '') {
      // An empty token would be matched by an empty `?access_token=`, an empty key signs nothing.
      ctx.addIssue({
        code: 'custom',
        message: `secret file ${source.file} is empty; write the secret into it`,
      });
      return z.NEVER;
    }
    return new Secret(value);
  })
  .meta({ secret: true });

export type SecretInput = z.input<typeof secretSchema>;
