// The worker runs the compiled JavaScript of model/ (transpiled here from the sources, since a worker
// thread cannot load TypeScript) and must produce exactly the weights of in-thread training.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { isPipelineError } from '../../core/errors.js';
import { generateSeries, sliceWindows } from '../bench/synthetic-series.js';
import { type TrainOptions, type TrainProgress, trainAutoencoder } from '../train.js';
import { trainInWorker } from './train-in-worker.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'gruwatch-worker-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

function transpileTree(): URL {
  const sources = [join(repo, 'core/errors.ts'), join(repo, 'core/rng.ts')];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) sources.push(p);
    }
  };
  walk(join(repo, 'model'));
  for (const src of sources) {
    const js = ts.transpileModule(readFileSync(src, 'utf8'), {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
    }).outputText;
    const dest = join(outDir, relative(repo, src)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, js);
  }
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}');
  return pathToFileURL(join(outDir, 'model/node/train-worker.js'));
}

const dims = { C: 3, T: 12, H: 8 };
const series = generateSeries(dims.C, 600, 9);
const windows = sliceWindows(series, dims.T, 6).values;
const options: Omit<TrainOptions, 'nowMs'> = {
  dims,
  epochs: 3,
  batchSize: 8,
  learningRate: 0.01,
  clipNorm: 1,
  validationFraction: 0.2,
  patience: 0,
  seed: 13,
};

describe('trainInWorker', () => {
  const workerUrl = transpileTree();

  it('produces bit for bit the weights of in-thread training, with progress per epoch', async () => {
    const local = trainAutoencoder(windows, options);
    const progress: TrainProgress[] = [];
    const remote = await trainInWorker(windows, options, (p) => progress.push(p), {
      workerUrl,
      keepWindows: true,
    });
    expect(windows.length).toBeGreaterThan(0);
    expect(Buffer.from(remote.model.params.buffer).equals(Buffer.from(local.model.params.buffer))).toBe(true);
    expect(remote.summary.lossCurve).toEqual(local.summary.lossCurve);
    expect(progress.map((p) => p.epoch)).toEqual([1, 2, 3]);
  });

  it('transfers the windows buffer unless asked to keep it', async () => {
    const copy = windows.slice();
    await trainInWorker(copy, { ...options, epochs: 1 }, undefined, { workerUrl });
    expect(copy.length).toBe(0);
  });

  it('rejects with the coded error raised inside the worker', async () => {
    const err = await trainInWorker(windows.slice(), { ...options, batchSize: 0 }, undefined, {
      workerUrl,
    }).catch((e: unknown) => e);
    expect(isPipelineError(err, 'MODEL_TRAINING_FAILED')).toBe(true);
    expect((err as Error).message).toMatch(/batchSize/);
  });
});
