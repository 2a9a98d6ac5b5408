// The root configuration schema: one zod schema for the whole service,
// composed from each room's section. It is the type, the validator, the
// defaults and the documentation (`gruwatch config schema`, `config env`).
import { z } from 'zod';
import { secretSchema } from '../core/index.js';

export const loggingConfigSchema = z
  .strictObject({
    level: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .describe('Lowest level written to the JSON log on stdout. Use debug to diagnose, trace only briefly.'),
  })
  .describe('Logging: pino JSON lines on stdout, one child logger per component.');

export const httpConfigSchema = z
  .strictObject({
    host: z
      .string()
      .default('127.0.0.1')
      .describe(
        'Address the HTTP server (health, metrics, API, live page) listens on. Use 0.0.0.0 to expose it.',
      ),
    port: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(8080)
      .describe('TCP port of the HTTP server; 0 picks a free port.'),
    apiToken: secretSchema
      .optional()
      .describe(
        'Bearer token required by the JSON API and the live page when set. Give it as text, { env: NAME } or { file: PATH }, or through GRUWATCH_HTTP__API_TOKEN(_FILE).',
      ),
  })
  .describe('The HTTP server of `gruwatch run`.');

export const configSchema = z
  .strictObject({
    dataDir: z
      .string()
      .min(1)
      .default('./gruwatch-data')
      .describe(
        "Directory for gruwatch's own durable state: embedded store, sink buffers, webhook outbox, alert state and model registry. Relative paths are resolved against the working directory.",
      ),
    logging: loggingConfigSchema.prefault({}),
    http: httpConfigSchema.prefault({}),
  })
  .describe(
    'gruwatch configuration. Every key may also be set from the environment: see `gruwatch config env`.',
  );

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
