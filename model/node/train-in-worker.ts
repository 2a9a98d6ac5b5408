// Runs trainAutoencoder in a worker thread so live scoring on the main thread is never blocked.
// The windows buffer is transferred (the caller's copy becomes empty); weights come back transferred.
import { Worker } from 'node:worker_threads';
import { type ErrorCode, PipelineError } from '../../core/errors.js';
import type { DecoderFeeding } from '../autoencoder.js';
import type { ModelDims } from '../dims.js';
import type { TrainOptions, TrainProgress, TrainResult, TrainSummary } from '../train.js';

export type TrainWorkerMessage =
  | { type: 'progress'; progress: TrainProgress }
  | { type: 'done'; params: Float32Array; feeding: DecoderFeeding; dims: ModelDims; summary: TrainSummary }
  | { type: 'error'; code: string | null; message: string; details: Record<string, unknown> };

export interface TrainInWorkerOptions {
  /** Copy the windows instead of transferring them, so the caller keeps its buffer. */
  keepWindows?: boolean;
  /** Worker script; defaults to the compiled train-worker.js next to this file. */
  workerUrl?: URL;
}

export function trainInWorker(
  windows: Float32Array,
  options: Omit<TrainOptions, 'nowMs'>,
  onProgress?: (progress: TrainProgress) => void,
  workerOptions: TrainInWorkerOptions = {},
): Promise<TrainResult> {
  const data = workerOptions.keepWindows ? windows.slice() : windows;
  const url = workerOptions.workerUrl ?? new URL('./train-worker.js', import.meta.url);
  return new Promise((resolve, reject) => {
    const worker = new Worker(url, {
      workerData: { windows: data, options },
      transferList: [data.buffer as ArrayBuffer],
    });
    let settled = false;
    worker.on('message', (msg: TrainWorkerMessage) => {
      if (msg.type === 'progress') onProgress?.(msg.progress);
      else if (msg.type === 'done') {
        settled = true;
        resolve({
          model: { dims: msg.dims, feeding: msg.feeding, params: msg.params },
          summary: msg.summary,
        });
        void worker.terminate();
      } else {
        settled = true;
        const code = (msg.code ?? 'MODEL_TRAINING_FAILED') as ErrorCode;
        reject(new PipelineError(code, msg.message, { details: msg.details }));
        void worker.terminate();
      }
    });
    worker.on('error', (err) => {
      if (settled) return;
      settled = true;
      reject(
        new PipelineError('MODEL_TRAINING_FAILED', `the training worker failed: ${err.message}`, {
          cause: err,
        }),
      );
    });
    worker.on('exit', (code) => {
      if (settled) return;
      settled = true;
      reject(
        new PipelineError(
          'MODEL_TRAINING_FAILED',
          `the training worker exited with code ${code} before finishing`,
          { details: { exitCode: code } },
        ),
      );
    });
  });
}
