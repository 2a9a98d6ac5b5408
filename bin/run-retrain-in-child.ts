// Retraining jobs in a child process (detector/retraining/retrain-in-child.ts):
// bin names the child's entry script, retrain-child.ts, and hands it the job
// with the plain settings it needs to build the model kinds and reopen the registry.
import { fileURLToPath } from 'node:url';
import type { TrainingProgress } from '../core/index.js';
import {
  type RetrainerDeps,
  type RetrainJobInput,
  type RetrainJobResult,
  runRetrainJobInChild,
} from '../detector/retraining/index.js';
import type { ModelConfig } from '../model/index.js';
import type { ModelRegistry, S3RegistryLocation } from '../model/node/index.js';
import { s3LocationOf } from './open-model-registry.js';

/** Plain data only: it crosses into the child, which builds the model kinds and opens the registry from it. */
export interface RetrainChildInput {
  job: RetrainJobInput;
  modelConfig: ModelConfig;
  registryDir: string;
  /** Set when the registry is the shared one in object storage (then registryDir only names it). */
  registryS3?: S3RegistryLocation | undefined;
}

const childScript = fileURLToPath(new URL('./retrain-child.js', import.meta.url));

export function runRetrainInChild(
  input: RetrainChildInput,
  onProgress?: (progress: TrainingProgress) => void,
  signal?: AbortSignal,
): Promise<RetrainJobResult> {
  return runRetrainJobInChild(childScript, input, onProgress, signal);
}

/** The retrainer's job runner: each job in a child process that opens `registry` again and knows the configured kinds. */
export function retrainJobsInChild(
  modelConfig: ModelConfig,
  registry: ModelRegistry,
): RetrainerDeps['runJob'] {
  return (job, onProgress, signal) =>
    runRetrainInChild(
      { job, modelConfig, registryDir: registry.dir, registryS3: s3LocationOf(registry) },
      onProgress,
      signal,
    );
}
