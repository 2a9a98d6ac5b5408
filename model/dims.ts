// ModelDims: the three sizes every buffer in model/ is derived from.
// Letters are fixed project-wide: T steps per window, C channels, H hidden units (B is the batch).
import { PipelineError } from '../core/errors.js';

export interface ModelDims {
  /** Channels (sensors) per step. */
  readonly C: number;
  /** Steps per window. */
  readonly T: number;
  /** Hidden units of the encoder and decoder GRU. */
  readonly H: number;
}

/** Float32Array in production, Float64Array for gradient checks; kernels accept both. */
export type FloatArray = Float32Array | Float64Array;
export type FloatArrayConstructor = Float32ArrayConstructor | Float64ArrayConstructor;

/** Refuses dimensions that are not positive integers, naming the field at fault. */
export function assertDims(dims: ModelDims): void {
  for (const key of ['C', 'T', 'H'] as const) {
    const v = dims[key];
    if (!Number.isInteger(v) || v < 1 || v > 1_000_000) {
      throw new PipelineError(
        'MODEL_SHAPE_MISMATCH',
        `model dimension ${key} must be a positive integer, got ${String(v)}`,
        {
          details: { field: key, value: v },
        },
      );
    }
  }
}

/** Throws MODEL_SHAPE_MISMATCH when `values` does not hold `count` windows of (T, C). */
export function assertWindows(values: ArrayLike<number>, count: number, dims: ModelDims, what: string): void {
  const expected = count * dims.T * dims.C;
  if (values.length !== expected) {
    throw new PipelineError(
      'MODEL_SHAPE_MISMATCH',
      `${what} has ${values.length} values but ${count} window(s) of T=${dims.T} steps × C=${dims.C} channels need ${expected}; check the window length and channel list`,
      { details: { field: what, length: values.length, expected, count, ...dims } },
    );
  }
}
