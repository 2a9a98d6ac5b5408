// Runs one retraining job in a child process and resolves with its result;
// epoch progress is passed on as it comes. On Linux the child is started
// under `nice -n 19`, so every thread of it (training and the runtime's own
// garbage-collector threads) yields to the service's scoring. A job that throws
// or a child that dies rejects with the reason; the service keeps its model.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ErrorCode, PipelineError, type TrainingProgress } from '../core/index.js';
import type { RetrainerDeps, RetrainJobInput, RetrainJobResult } from '../detector/retraining/index.js';
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

export type RetrainChildMessage =
  | { type: 'progress'; progress: TrainingProgress }
  | { type: 'done'; result: RetrainJobResult }
  | { type: 'error'; code: string | null; message: string; details: Record<string, unknown> };

const nice = '/usr/bin/nice';

export function runRetrainInChild(
  input: RetrainChildInput,
  onProgress?: (progress: TrainingProgress) => void,
  signal?: AbortSignal,
): Promise<RetrainJobResult> {
  return new Promise((resolve, reject) => {
    const script = fileURLToPath(new URL('./retrain-child.js', import.meta.url));
    const node = [process.execPath, ...process.execArgv, script];
    const [command, ...args] = existsSync(nice) ? [nice, '-n', '19', ...node] : node;
    const child = spawn(command!, args, {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced', // typed arrays (the weights) cross as they are
    });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      if (child.exitCode === null) child.kill('SIGKILL');
    };
    // Shutting down or a run over its time limit does not wait: the child is stopped where it is.
    const interrupted = () =>
      settle(() =>
        reject(
          signal?.reason instanceof PipelineError
            ? signal.reason
            : new PipelineError('MODEL_TRAINING_FAILED', 'retraining interrupted: the service is stopping'),
        ),
      );
    if (signal?.aborted) interrupted();
    signal?.addEventListener('abort', interrupted, { once: true });
    child.on('message', (msg: RetrainChildMessage) => {
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
    child.on('error', (err) =>
      settle(() =>
        reject(
          new PipelineError(
            'MODEL_TRAINING_FAILED',
            `the retraining process failed to start: ${err.message}`,
            {
              cause: err,
            },
          ),
        ),
      ),
    );
    child.on('exit', (code, exitSignal) =>
      settle(() =>
        reject(
          new PipelineError(
            'MODEL_TRAINING_FAILED',
            `the retraining process exited (${exitSignal ?? `code ${code}`}) before finishing`,
            { details: { exitCode: code, signal: exitSignal } },
          ),
        ),
      ),
    );
    child.send(input);
  });
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
