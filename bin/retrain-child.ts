// Entry of the retraining child process: the whole job (reading a week of
// frames, curating, fitting, validating) runs here, started at the lowest
// scheduling priority by run-retrain-in-child.ts, so the service's scoring
// thread gets a core first whenever both want one, and a job that runs out of
// memory takes only itself down.
import { matchesAssetPattern } from '../detector/index.js';
import { type RetrainJobInput, runRetrainJob } from './retrain-job.js';
import type { RetrainChildMessage } from './run-retrain-in-child.js';

const send = (message: RetrainChildMessage): Promise<void> =>
  new Promise((resolve) => {
    if (process.send === undefined) throw new Error('retrain-child.js must run with an IPC channel');
    process.send(message, undefined, {}, () => resolve());
  });

process.once('message', async (input: RetrainJobInput) => {
  try {
    const result = await runRetrainJob(input, {
      nowMs: () => Date.now(),
      matches: matchesAssetPattern,
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
