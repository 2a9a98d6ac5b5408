// Inference: reconstruct windows and report residuals per step and per channel, reusing buffers
// sized once (nothing is allocated per call). Windows are raw sensor values when the reconstructor holds a
// normalizer (then residuals are in normalized units, comparable across channels), else normalized.
import { PipelineError } from '../core/errors.js';
import {
  type Autoencoder,
  autoencoderForward,
  createWorkspace,
  gatherTimeMajor,
  refreshTransposed,
  workspaceSize,
} from './autoencoder.js';
import { assertWindows } from './dims.js';
import type { Normalizer } from './normalizer.js';
import { paramViews } from './params.js';
import { createWasmArena } from './wasm/arena.js';

/** Results of the last call; overwritten by the next. Arrays hold maxBatch windows; the first `count` are valid. */
export interface WindowReconstruction {
  count: number;
  reconstruction: Float32Array; // (maxBatch, T, C) normalized units
  residuals: Float32Array; // (maxBatch, T, C) x − reconstruction
  stepErrors: Float32Array; // (maxBatch, T) mean squared residual over channels
  channelErrors: Float32Array; // (maxBatch, C) mean squared residual over steps
  scores: Float32Array; // (maxBatch) mean squared residual over the window
}

export interface Reconstructor {
  readonly maxBatch: number;
  /** One window (T, C) row-major. */
  reconstruct(values: Float32Array): WindowReconstruction;
  /** `count` windows (count, T, C) row-major, count ≤ maxBatch. */
  reconstructBatch(values: Float32Array, count: number): WindowReconstruction;
}

export interface ReconstructorOptions {
  maxBatch?: number;
  normalizer?: Normalizer;
  /** 'auto' uses the WebAssembly SIMD kernels where available; 'js' forces the reference loops. */
  kernels?: 'auto' | 'js';
}

export function createReconstructor(model: Autoencoder, options: ReconstructorOptions = {}): Reconstructor {
  const { dims, feeding } = model;
  const { T, C } = dims;
  const maxBatch = options.maxBatch ?? 1;
  const norm = options.normalizer;
  if (norm !== undefined && (norm.center.length !== C || norm.scale.length !== C)) {
    throw new PipelineError(
      'MODEL_SHAPE_MISMATCH',
      `normalizer has ${norm.center.length} channels but the model has C=${C}; fit the normalizer on the model's channels`,
      { details: { field: 'normalizer', channels: norm.center.length, C } },
    );
  }
  const center = Float32Array.from(norm?.center ?? new Array<number>(C).fill(0));
  const invScale = Float32Array.from((norm?.scale ?? new Array<number>(C).fill(1)).map((s) => 1 / s));
  const arena =
    options.kernels === 'js'
      ? null
      : createWasmArena(model.params.length + workspaceSize(dims, maxBatch, false));
  const alloc = arena === null ? undefined : (n: number) => arena.alloc(n);
  const ws = createWorkspace<Float32Array>(Float32Array, dims, maxBatch, false, alloc);
  // The reconstructor keeps its own copy of the weights (in the arena when there is one).
  const weights = alloc === undefined ? model.params.slice() : alloc(model.params.length);
  weights.set(model.params);
  const p = paramViews(weights, dims);
  refreshTransposed(ws, p);
  ws.hasFixedWeights = true;
  const out: WindowReconstruction = {
    count: 0,
    reconstruction: new Float32Array(maxBatch * T * C),
    residuals: new Float32Array(maxBatch * T * C),
    stepErrors: new Float32Array(maxBatch * T),
    channelErrors: new Float32Array(maxBatch * C),
    scores: new Float32Array(maxBatch),
  };

  const reconstructBatch = (values: Float32Array, count: number): WindowReconstruction => {
    if (!Number.isInteger(count) || count < 1 || count > maxBatch) {
      throw new PipelineError(
        'MODEL_SHAPE_MISMATCH',
        `reconstructBatch: count ${count} must be between 1 and maxBatch ${maxBatch}`,
        {
          details: { field: 'count', count, maxBatch },
        },
      );
    }
    assertWindows(values, count, dims, 'values');
    const B = count;
    const xT = ws.xT;
    gatherTimeMajor(xT, values, B, dims, null, 0);
    if (norm !== undefined) {
      for (let row = 0; row < T * B; row++) {
        const o = row * C;
        for (let c = 0; c < C; c++) xT[o + c] = (xT[o + c] - center[c]) * invScale[c];
      }
    }
    autoencoderForward(ws, p, B, feeding);
    const y = ws.y;
    out.count = B;
    out.channelErrors.fill(0, 0, B * C);
    for (let b = 0; b < B; b++) {
      let total = 0;
      for (let t = 0; t < T; t++) {
        const src = (t * B + b) * C;
        const dst = (b * T + t) * C;
        let step = 0;
        for (let c = 0; c < C; c++) {
          const r = xT[src + c] - y[src + c];
          out.reconstruction[dst + c] = y[src + c];
          out.residuals[dst + c] = r;
          const r2 = r * r;
          step += r2;
          out.channelErrors[b * C + c] += r2;
        }
        out.stepErrors[b * T + t] = step / C;
        total += step;
      }
      for (let c = 0; c < C; c++) out.channelErrors[b * C + c] /= T;
      out.scores[b] = total / (T * C);
    }
    return out;
  };

  return { maxBatch, reconstruct: (values) => reconstructBatch(values, 1), reconstructBatch };
}
