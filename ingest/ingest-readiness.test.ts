import { describe, expect, it } from 'vitest';
import { createSilentLogger, PipelineError } from '../core/index.js';
import { startIngestInBackground } from './ingest-readiness.js';

function fakeIngest() {
  let settle!: { resolve(): void; reject(err: unknown): void };
  const problems: string[] = [];
  return {
    problems: () => problems,
    start: () =>
      new Promise<void>((resolve, reject) => {
        settle = { resolve, reject };
      }),
    get settle() {
      return settle;
    },
    addProblem: (p: string) => problems.push(p),
  };
}

describe('startIngestInBackground', () => {
  it('is not ready while connecting, and ready once the sources are connected', async () => {
    const ingest = fakeIngest();
    const started = startIngestInBackground(ingest, createSilentLogger());
    expect(started.readiness()).toEqual([
      { name: 'ingest', ready: false, detail: 'connecting to the sources (retrying with back-off)' },
    ]);
    ingest.settle.resolve();
    await started.settled;
    expect(started.readiness()).toEqual([{ name: 'ingest', ready: true }]);
  });

  it('names a permanent failure and what to do, without rejecting', async () => {
    const ingest = fakeIngest();
    const started = startIngestInBackground(ingest, createSilentLogger());
    ingest.settle.reject(new PipelineError('INGEST_SOURCE_FAILED', 'bad topic filter'));
    await started.settled;
    expect(started.readiness()[0]!.detail).toBe(
      'a source failed permanently: bad topic filter; fix the configuration and restart',
    );
  });

  it('lists what keeps connected sources from progress before the connection line', async () => {
    const ingest = fakeIngest();
    const started = startIngestInBackground(ingest, createSilentLogger());
    ingest.addProblem('partition 0 stalled');
    ingest.settle.resolve();
    await started.settled;
    expect(started.readiness()).toEqual([
      { name: 'ingest.progress', ready: false, detail: 'partition 0 stalled' },
      { name: 'ingest', ready: true },
    ]);
  });
});
