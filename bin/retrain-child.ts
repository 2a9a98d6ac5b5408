// Entry of the retraining child process: the whole job (reading a week of
// frames, curating, fitting, validating) runs here, started at the lowest
// scheduling priority by run-retrain-in-child.ts, so the service's scoring
// thread gets a core first whenever both want one, and a job that runs out of
// memory takes only itself down.
import { matchesAssetPattern } from '../core/index.js';
import { runRetrainJob } from '../detector/retraining/index.js';
import { retrainJobDepsFor } from './model-kinds.js';
import { reopenModelRegistry } from './open-model-registry.js';
import type { RetrainChildInput, RetrainChildMessage } from './run-retrain-in-child.js';

const send = (message: RetrainChildMessage): Promise<void> =>
  new Promise((resolve) => {
    if (process.send === undefined) throw new Error('retrain-child.js must run with an IPC channel');
    process.send(message, undefined, {}, () => resolve());
  });

process.once('message', async (input: RetrainChildInput) => {
  try {
    const registry = reopenModelRegistry(input.registryDir, input.registryS3);
    const result = await runRetrainJob(input.job, {
      nowMs: () => Date.now(),
      matches: matchesAssetPattern,
      ...retrainJobDepsFor(input.modelConfig, registry),
      onProgress: (progress) => void send({ type: 'progress', progress }),
    });
    await send({ type: 'done', result });
  } catch (err) {
    const e = err as { code?: string; message?: string; details?: Record<string, unknown> };
    await send({
      type: 'error',
      code: e.code ?? null,
      message: String(e.message ?? err),
      details: e.details ?? {},
    });
  }
  process.disconnect();
});
