// Runs one retraining job in a worker thread and resolves with its result;
// epoch progress is passed on as it comes. A job that throws or a worker that
// dies rejects with the reason, and the service keeps its current model.
import { Worker } from 'node:worker_threads';
import { type ErrorCode, PipelineError } from '../core/index.js';
import type { TrainProgress } from '../model/index.js';
import type { RetrainJobInput, RetrainJobResult } from './retrain-job.js';

export type RetrainWorkerMessage =
  | { type: 'progress'; progress: TrainProgress }
  | { type: 'done'; result: RetrainJobResult }
  | { type: 'error'; code: string | null; message: string; details: Record<string, unknown> };

export function runRetrainInWorker(
  input: RetrainJobInput,
  onProgress?: (progress: TrainProgress) => void,
  signal?: AbortSignal,
): Promise<RetrainJobResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./retrain-worker.js', import.meta.url), { workerData: input });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    // Shutting down does not wait for a training run: the worker is stopped where it is.
    const interrupted = () =>
      settle(() =>
        reject(new PipelineError('MODEL_TRAINING_FAILED', 'retraining interrupted: the service is stopping')),
      );
    if (signal?.aborted) interrupted();
    signal?.addEventListener('abort', interrupted, { once: true });
    worker.on('message', (msg: RetrainWorkerMessage) => {
      if (msg.type === 'progress') onProgress?.(msg.progress);
      else if (msg.type === 'done') settle(() => resolve(msg.result));
      else
        settle(() =>
          reject(
            new PipelineError((msg.code ?? 'MODEL_TRAINING_FAILED') as ErrorCode, msg.message, {
              details: msg.details,
            }),
          ),
        );
    });
    worker.on('error', (err) =>
      settle(() =>
        reject(
          new PipelineError('MODEL_TRAINING_FAILED', `the retraining worker failed: ${err.message}`, {
            cause: err,
          }),
        ),
      ),
    );
    worker.on('exit', (code) =>
      settle(() =>
        reject(
          new PipelineError(
            'MODEL_TRAINING_FAILED',
            `the retraining worker exited with code ${code} before finishing`,
            {
              details: { exitCode: code },
            },
          ),
        ),
      ),
    );
  });
}
