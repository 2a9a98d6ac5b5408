// One retraining job in a child process, both sides of it. The parent resolves
// with the job's result and passes epoch progress on as it comes. On Linux the
// child is started under `nice -n 19`, so every thread of it (training and the
// runtime's own garbage-collector threads) yields to the service's scoring, and
// a job that runs out of memory takes only itself down. A job that throws or a
// child that dies rejects with the reason; the service keeps its model.
import { type Serializable, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  type ErrorCode,
  PipelineError,
  type PipelineErrorOptions,
  type TrainingProgress,
} from '../../core/index.js';
import type { RetrainJobResult } from './retrain-job.js';

/** What the child sends back over its IPC channel. */
export type RetrainChildMessage =
  | { type: 'progress'; progress: TrainingProgress }
  | { type: 'done'; result: RetrainJobResult }
  | { type: 'error'; code: string | null; message: string; details: Record<string, unknown> };

const nice = '/usr/bin/nice';

/**
 * Starts `childScript` (which calls `serveRetrainJobInChild`) at the lowest priority, sends it `input`
 * (plain data: it is copied with the structured-clone algorithm) and resolves with the job's result.
 * An abort stops the child where it is and rejects with the signal's reason when that is a
 * PipelineError, else with MODEL_TRAINING_FAILED.
 */
export function runRetrainJobInChild(
  childScript: string,
  input: Serializable,
  onProgress?: (progress: TrainingProgress) => void,
  signal?: AbortSignal,
): Promise<RetrainJobResult> {
  return new Promise((resolve, reject) => {
    const node = [process.execPath, ...process.execArgv, childScript];
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
    const fail = (message: string, options: PipelineErrorOptions = {}) =>
      settle(() => reject(new PipelineError('MODEL_TRAINING_FAILED', message, options)));
    // Shutting down or a run over its time limit does not wait: the child is stopped where it is.
    const interrupted = () =>
      signal?.reason instanceof PipelineError
        ? settle(() => reject(signal.reason))
        : fail('retraining interrupted: the service is stopping');
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
      fail(`the retraining process failed to start: ${err.message}`, { cause: err }),
    );
    child.on('exit', (code, exitSignal) =>
      fail(`the retraining process exited (${exitSignal ?? `code ${code}`}) before finishing`, {
        details: { exitCode: code, signal: exitSignal },
      }),
    );
    child.send(input);
  });
}

/**
 * The child's side: waits for the one input, runs `job` on it, sends progress and then the result or
 * the error (its code, message and details), and disconnects so the process can exit.
 */
export function serveRetrainJobInChild<Input>(
  job: (input: Input, onProgress: (progress: TrainingProgress) => void) => Promise<RetrainJobResult>,
): void {
  const send = (message: RetrainChildMessage): Promise<void> =>
    new Promise((resolve) => {
      if (process.send === undefined) throw new Error('a retraining child must run with an IPC channel');
      process.send(message, undefined, {}, () => resolve());
    });
  process.once('message', async (input: Input) => {
    try {
      const result = await job(input, (progress) => void send({ type: 'progress', progress }));
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
}
