// Worker-thread entry for training: receives the windows (transferred) and options, posts progress
// messages and finally the trained parameters (transferred back). Started by train-in-worker.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { type TrainOptions, trainAutoencoder } from '../train.js';
import type { TrainWorkerMessage } from './train-in-worker.js';

interface TrainWorkerInput {
  windows: Float32Array;
  options: Omit<TrainOptions, 'nowMs'>;
}

const port = parentPort;
if (port === null) throw new Error('train-worker.js must run in a worker thread');
const input = workerData as TrainWorkerInput;
try {
  const result = trainAutoencoder(input.windows, input.options, (progress) => {
    port.postMessage({ type: 'progress', progress } satisfies TrainWorkerMessage);
  });
  const params = result.model.params;
  port.postMessage(
    {
      type: 'done',
      params,
      feeding: result.model.feeding,
      dims: result.model.dims,
      summary: result.summary,
    } satisfies TrainWorkerMessage,
    [params.buffer as ArrayBuffer],
  );
} catch (err) {
  const e = err as { code?: string; message?: string; details?: Record<string, unknown> };
  port.postMessage({
    type: 'error',
    code: e.code ?? null,
    message: String(e.message ?? err),
    details: e.details ?? {},
  } satisfies TrainWorkerMessage);
}
