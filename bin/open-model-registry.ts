// Which model registry an instance uses: the shared one in S3-compatible storage when
// `registry.s3` is set, else the local directory. Also what a retraining child needs to open the
// same registry (plain data: it crosses a process boundary).
import {
  createModelRegistry,
  createS3ModelRegistry,
  type ModelRegistry,
  type S3RegistryLocation,
  s3RegistryLocationOf,
} from '../model/node/index.js';
import { type Config, registryDirOf } from './config.js';

export function openModelRegistry(config: Pick<Config, 'model' | 'dataDir' | 'registry'>): ModelRegistry {
  const s3 = config.registry?.s3;
  return s3 === undefined
    ? createModelRegistry(registryDirOf(config))
    : createS3ModelRegistry(s3RegistryLocationOf(s3));
}

/** The S3 settings of a registry opened by `openModelRegistry`; undefined for a local one. */
export function s3LocationOf(registry: ModelRegistry): S3RegistryLocation | undefined {
  return 'location' in registry ? (registry.location as S3RegistryLocation) : undefined;
}

/** Opens, in another process, the registry `s3LocationOf` and `registry.dir` described. */
export function reopenModelRegistry(dir: string, s3: S3RegistryLocation | undefined): ModelRegistry {
  return s3 === undefined ? createModelRegistry(dir) : createS3ModelRegistry(s3);
}
