import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PipelineError, type TrainingProgress } from '../../core/index.js';
import { runRetrainJobInChild } from './retrain-in-child.js';

const stub = fileURLToPath(new URL('./fixtures/retrain-child-stub.mjs', import.meta.url));

describe('runRetrainJobInChild', () => {
  it('sends the input to the child, passes its progress on and resolves with its result', async () => {
    const progress: TrainingProgress[] = [];
    const result = await runRetrainJobInChild(stub, { mode: 'done', reason: 'sent along' }, (p) =>
      progress.push(p),
    );
    expect(result).toEqual({ outcome: 'skipped', reason: 'sent along' });
    expect(progress).toEqual([{ epoch: 1, epochs: 2 }]);
  });

  it('rejects with the code, message and details of the error the job threw', async () => {
    const failed = runRetrainJobInChild(stub, { mode: 'error' });
    await expect(failed).rejects.toThrow('bad artifact');
    await expect(failed).rejects.toMatchObject({ code: 'MODEL_ARTIFACT_INVALID', details: { n: 1 } });
  });

  it('rejects when the child dies before finishing', async () => {
    await expect(runRetrainJobInChild(stub, { mode: 'exit' })).rejects.toMatchObject({
      code: 'MODEL_TRAINING_FAILED',
      message: 'the retraining process exited (code 3) before finishing',
    });
  });

  it('stops a running child on abort, with the reason it was given', async () => {
    const stopping = new AbortController();
    const running = runRetrainJobInChild(stub, { mode: 'hang' }, undefined, stopping.signal);
    stopping.abort();
    await expect(running).rejects.toThrow('retraining interrupted: the service is stopping');
    const overTime = new AbortController();
    const limited = runRetrainJobInChild(stub, { mode: 'hang' }, undefined, overTime.signal);
    overTime.abort(new PipelineError('MODEL_TRAINING_FAILED', 'retraining took longer than its limit'));
    await expect(limited).rejects.toThrow('retraining took longer than its limit');
  });
});
