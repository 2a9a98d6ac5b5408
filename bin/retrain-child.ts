// Entry of the retraining child process: the whole job (reading a week of
// frames, curating, fitting, validating) runs here, at the lowest scheduling
// priority (detector/retraining/retrain-in-child.ts), with the model kinds
// and the registry built from the plain settings the service sent.
import { matchesAssetPattern } from '../core/index.js';
import { runRetrainJob, serveRetrainJobInChild } from '../detector/retraining/index.js';
import { retrainJobDepsFor } from './model-kinds.js';
import { reopenModelRegistry } from './open-model-registry.js';
import type { RetrainChildInput } from './run-retrain-in-child.js';

serveRetrainJobInChild((input: RetrainChildInput, onProgress) =>
  runRetrainJob(input.job, {
    nowMs: () => Date.now(),
    matches: matchesAssetPattern,
    ...retrainJobDepsFor(input.modelConfig, reopenModelRegistry(input.registryDir, input.registryS3)),
    onProgress,
  }),
);
