// gruwatch's environment overrides: GRUWATCH_<PATH> for every leaf key of the
// configuration schema (GRUWATCH_INGEST__MQTT__KEEPALIVE_SECS); the machinery is core's.
import type { z } from 'zod';
import {
  type EnvOverrideKey,
  type EnvOverrideSettings,
  envNameFor as envNameWithPrefix,
  listEnvOverrideKeys as listEnvOverrideKeysWithPrefix,
} from '../core/index.js';

const prefix = 'GRUWATCH_';

export const gruwatchEnv: EnvOverrideSettings = {
  prefix,
  // GRUWATCH_CONFIG names the file (`gruwatch run`); GRUWATCH_TEST_ configures the test services.
  isReserved: (name) => name === `${prefix}CONFIG` || name.startsWith(`${prefix}TEST_`),
};

export function envNameFor(path: readonly string[]): string {
  return envNameWithPrefix(prefix, path);
}

export function listEnvOverrideKeys(schema: z.core.$ZodType): EnvOverrideKey[] {
  return listEnvOverrideKeysWithPrefix(schema, prefix);
}
