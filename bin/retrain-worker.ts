// Worker-thread entry of a retraining run: the whole job (reading a week of
// frames, curating, fitting, validating) runs here, so the service's main
// thread keeps scoring windows at its usual latency. Started by
// run-retrain-in-worker.ts.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { matchesAssetPattern } from '../detector/index.js';
import { type RetrainJobInput, runRetrainJob } from './retrain-job.js';
import type { RetrainWorkerMessage } from './run-retrain-in-worker.js';

const port = parentPort;
if (port === null) throw new Error('retrain-worker.js must run in a worker thread');
const input = workerData as RetrainJobInput;

// Training takes a whole core for minutes; scoring must not wait for it. On Linux a thread is a
// task with its own nice value: this one steps back (19) so the service's main thread, still at
// the process's priority, gets a core first whenever both want one. Elsewhere it runs as is.
try {
  const threadId = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
  if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, 19);
} catch {
  // No /proc (not Linux) or not permitted: the worker keeps the process's priority.
}
try {
  const result = await runRetrainJob(input, {
    nowMs: () => Date.now(),
    matches: matchesAssetPattern,
    onProgress: (progress) => port.postMessage({ type: 'progress', progress } satisfies RetrainWorkerMessage),
  });
  const transfer = result.outcome === 'candidate' ? [result.bytes.weightsBytes.buffer as ArrayBuffer] : [];
  port.postMessage({ type: 'done', result } satisfies RetrainWorkerMessage, transfer);
} catch (err) {
  const e = err as { code?: string; message?: string; details?: Record<string, unknown> };
  port.postMessage({
    type: 'error',
    code: e.code ?? null,
    message: String(e.message ?? err),
    details: e.details ?? {},
  } satisfies RetrainWorkerMessage);
}
