// gruwatch's configuration loader: core's loader with the GRUWATCH_ overrides,
// the deprecated-key warnings and the pointer to `gruwatch config env`.
import type { z } from 'zod';
import { type ConfigSource, type LoadedConfig, loadConfig as loadConfigWith } from '../core/index.js';
import { deprecatedKeysIn } from './deprecated-keys.js';
import { gruwatchEnv } from './env-overrides.js';

export function loadConfig<S extends z.ZodType>(schema: S, source: ConfigSource): LoadedConfig<z.output<S>> {
  return loadConfigWith(schema, source, {
    env: gruwatchEnv,
    warningsFor: deprecatedKeysIn,
    unknownEnvWarning: (name) =>
      `environment variable ${name} looks like a gruwatch override but matches no config key; see \`gruwatch config env\``,
  });
}
