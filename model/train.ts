// Training loop: seeded shuffle into mini-batches, Adam, clipping by global norm, optional truncated
// BPTT, a validation split with early stopping (the best epoch's weights are returned) and a progress
// callback per epoch. Same seed, same data, same options → the same weights bit for bit.
import { PipelineError } from '../core/errors.js';
import { createRng, shuffleInPlace } from '../core/rng.js';
import { adamStep, clipGradNorm, createAdamState } from './adam.js';
import {
  type Autoencoder,
  autoencoderBackward,
  autoencoderForward,
  createWorkspace,
  type DecoderFeeding,
  gatherTimeMajor,
  workspaceSize,
} from './autoencoder.js';
import { defaultFeeding } from './create-autoencoder.js';
import { assertDims, assertWindows, type ModelDims } from './dims.js';
import { initParams } from './init.js';
import { paramCount, paramViews } from './params.js';
import { createWasmArena } from './wasm/arena.js';

export interface TrainOptions {
  dims: ModelDims;
  feeding?: DecoderFeeding;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Maximum global L2 norm of the gradient; 0 disables clipping. */
  clipNorm: number;
  /** Share of windows held out for validation and early stopping, in [0, 0.9]. */
  validationFraction: number;
  /** Epochs without a better validation loss before stopping; 0 never stops early. */
  patience: number;
  seed: number;
  /** Cut the recurrent gradient every k steps; 0 or absent = full BPTT. */
  truncatedBpttSteps?: number;
  /** Start from these parameters (paramLayout order) instead of a fresh initialisation. */
  initialParams?: Float32Array;
  /** Monotonic milliseconds, for windows/s only; defaults to performance.now. */
  nowMs?: () => number;
  /** 'auto' uses the WebAssembly SIMD kernels where available; 'js' forces the reference loops. */
  kernels?: 'auto' | 'js';
}

export interface EpochLoss {
  epoch: number;
  trainLoss: number;
  /** null when no windows were held out. */
  validationLoss: number | null;
}

export interface TrainProgress extends EpochLoss {
  epochs: number;
  bestEpoch: number;
  windowsPerSecond: number;
}

export interface TrainSummary {
  lossCurve: EpochLoss[];
  /** Epoch (1-based) whose weights were kept. */
  bestEpoch: number;
  bestLoss: number;
  epochsRun: number;
  stoppedEarly: boolean;
  trainWindows: number;
  validationWindows: number;
  windowsPerSecond: number;
  seed: number;
}

export interface TrainResult {
  model: Autoencoder;
  summary: TrainSummary;
}

function fail(message: string, details: Record<string, unknown>): never {
  throw new PipelineError('MODEL_TRAINING_FAILED', message, { details });
}

function checkOptions(o: TrainOptions): void {
  assertDims(o.dims);
  const positiveInt = ['epochs', 'batchSize'] as const;
  for (const k of positiveInt)
    if (!Number.isInteger(o[k]) || o[k] < 1)
      fail(`training option ${k} must be a positive integer, got ${o[k]}`, { field: k });
  if (!(o.learningRate > 0))
    fail(`training option learningRate must be > 0, got ${o.learningRate}`, { field: 'learningRate' });
  if (!(o.clipNorm >= 0))
    fail(`training option clipNorm must be ≥ 0, got ${o.clipNorm}`, { field: 'clipNorm' });
  if (!(o.validationFraction >= 0 && o.validationFraction <= 0.9))
    fail(`training option validationFraction must be in [0, 0.9], got ${o.validationFraction}`, {
      field: 'validationFraction',
    });
  if (!Number.isInteger(o.patience) || o.patience < 0)
    fail(`training option patience must be an integer ≥ 0, got ${o.patience}`, { field: 'patience' });
  const k = o.truncatedBpttSteps ?? 0;
  if (!Number.isInteger(k) || k < 0)
    fail(`training option truncatedBpttSteps must be an integer ≥ 0, got ${k}`, {
      field: 'truncatedBpttSteps',
    });
}

/** Trains on `windows` (N, T, C) row-major, already normalized. */
export function trainAutoencoder(
  windows: Float32Array,
  options: TrainOptions,
  onProgress?: (progress: TrainProgress) => void,
): TrainResult {
  checkOptions(options);
  const dims = options.dims;
  const TC = dims.T * dims.C;
  if (windows.length % TC !== 0) assertWindows(windows, Math.ceil(windows.length / TC), dims, 'windows');
  const N = windows.length / TC;
  const nowMs = options.nowMs ?? (() => performance.now());
  const feeding = options.feeding ?? defaultFeeding;
  const truncate = options.truncatedBpttSteps ?? 0;

  const rng = createRng(options.seed, { algorithm: 'xoshiro128**' });
  const order = new Uint32Array(N);
  for (let i = 0; i < N; i++) order[i] = i;
  shuffleInPlace(order, rng);
  const nVal = options.validationFraction > 0 ? Math.floor(N * options.validationFraction) : 0;
  const nTrain = N - nVal;
  if (nTrain < 1)
    fail(
      `training needs at least one training window; got ${N} window(s) with validationFraction ${options.validationFraction}`,
      { windows: N },
    );
  const trainOrder = order.subarray(0, nTrain);
  const valOrder = order.subarray(nTrain);

  const B = Math.min(options.batchSize, nTrain);
  const wsBatch = Math.max(B, Math.min(nVal, options.batchSize));
  const nParams = paramCount(dims);
  const arena =
    options.kernels === 'js' ? null : createWasmArena(2 * nParams + workspaceSize(dims, wsBatch, true));
  const alloc = arena === null ? (n: number) => new Float32Array(n) : (n: number) => arena.alloc(n);
  const params = alloc(nParams);
  if (options.initialParams !== undefined) {
    if (options.initialParams.length !== params.length) {
      throw new PipelineError(
        'MODEL_SHAPE_MISMATCH',
        `initialParams has ${options.initialParams.length} values, the dims need ${params.length}`,
        {
          details: { field: 'initialParams', ...dims },
        },
      );
    }
    params.set(options.initialParams);
  } else {
    initParams(params, dims, options.seed);
  }
  const best = params.slice();
  const grads = alloc(params.length);
  const p = paramViews(params, dims);
  const g = paramViews(grads, dims);
  const adam = createAdamState(params);
  const ws = createWorkspace<Float32Array>(Float32Array, dims, wsBatch, true, alloc);

  const lossCurve: EpochLoss[] = [];
  let bestLoss = Number.POSITIVE_INFINITY;
  let bestEpoch = 0;
  let sinceBest = 0;
  let stoppedEarly = false;
  let windowsSeen = 0;
  let busyMs = 0;

  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const t0 = nowMs();
    shuffleInPlace(trainOrder, rng);
    let lossSum = 0;
    for (let first = 0; first < nTrain; first += B) {
      const b = Math.min(B, nTrain - first);
      gatherTimeMajor(ws.xT, windows, b, dims, trainOrder, first);
      grads.fill(0);
      const loss = autoencoderForward(ws, p, b, feeding);
      if (!Number.isFinite(loss)) {
        fail(
          `training loss became ${loss} in epoch ${epoch}; lower learningRate or clipNorm, and check the windows for non-finite values`,
          {
            epoch,
          },
        );
      }
      autoencoderBackward(g, ws, p, b, feeding, truncate, false);
      if (options.clipNorm > 0) clipGradNorm(grads, options.clipNorm);
      adamStep(params, grads, adam, { learningRate: options.learningRate });
      lossSum += loss * b;
    }
    const trainLoss = lossSum / nTrain;
    let validationLoss: number | null = null;
    if (nVal > 0) {
      let s = 0;
      for (let first = 0; first < nVal; first += ws.maxBatch) {
        const b = Math.min(ws.maxBatch, nVal - first);
        gatherTimeMajor(ws.xT, windows, b, dims, valOrder, first);
        s += autoencoderForward(ws, p, b, feeding) * b;
      }
      validationLoss = s / nVal;
    }
    busyMs += nowMs() - t0;
    windowsSeen += nTrain;
    const monitored = validationLoss ?? trainLoss;
    if (monitored < bestLoss) {
      bestLoss = monitored;
      bestEpoch = epoch;
      best.set(params);
      sinceBest = 0;
    } else {
      sinceBest += 1;
    }
    lossCurve.push({ epoch, trainLoss, validationLoss });
    const windowsPerSecond = busyMs > 0 ? (windowsSeen * 1000) / busyMs : 0;
    onProgress?.({ epoch, epochs: options.epochs, trainLoss, validationLoss, bestEpoch, windowsPerSecond });
    if (options.patience > 0 && nVal > 0 && sinceBest >= options.patience) {
      stoppedEarly = epoch < options.epochs;
      break;
    }
  }
  return {
    model: { dims: { ...dims }, feeding, params: best },
    summary: {
      lossCurve,
      bestEpoch,
      bestLoss,
      epochsRun: lossCurve.length,
      stoppedEarly,
      trainWindows: nTrain,
      validationWindows: nVal,
      windowsPerSecond: busyMs > 0 ? (windowsSeen * 1000) / busyMs : 0,
      seed: options.seed,
    },
  };
}
