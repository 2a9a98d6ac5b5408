// The aligned data ingest hands the model and the detector: frames (one row of the
// period grid per asset), windows (T consecutive frames, time-major) and segments
// (a stretch of recorded frames that a model is fitted on).
// A missing value is NaN and marks its frame; values are never invented.

/**
 * - `ok`: every channel has a measured or held value.
 * - `gap`: at least one channel had no reading within the hold (its value is NaN); such data is not scored.
 * - `unknown`: the asset announced that its data cannot be trusted (e.g. a Sparkplug death) and fresh
 *   readings for every channel have not arrived since; the detector raises no alert on it.
 */
export type FrameState = 'ok' | 'gap' | 'unknown';

/** A window's state: `unknown` if any frame is unknown, else `gap` ("data gap") if any frame has a gap, else `ok`. */
export type WindowState = FrameState;

/** One cell row of the period grid for one asset: [startMs, endMs) with one value per channel. */
export interface AlignedFrame {
  assetId: string;
  /** Channel names in the model's order; the same array object for every frame of an asset. */
  channels: readonly string[];
  startMs: number;
  /** startMs + periodMs. */
  endMs: number;
  /** (C) one value per channel, NaN where the channel had no value. Valid only during the callback. */
  values: Float32Array;
  state: FrameState;
}

/** T consecutive frames of one asset, handed to the model as one sample. */
export interface AlignedWindow {
  assetId: string;
  /** Channel names in the model's order (C = channels.length). */
  channels: readonly string[];
  /** Start of the first frame. */
  startMs: number;
  /** End of the last frame (exclusive). */
  endMs: number;
  periodMs: number;
  /**
   * (T, C) row-major, time-major: values[t * C + c]. A view into a buffer the assembler reuses:
   * valid only during the callback; copy it (`values.slice()`) to keep it.
   */
  values: Float32Array;
  state: WindowState;
}

/** A stretch of aligned frames of one asset: (N, C) rows on the period grid, oldest first, NaN where missing. */
export interface FrameSegment {
  frames: Float32Array;
  /** The asset the frames are of; with it, the detector's machine-off rules drop windows with the machine off. */
  assetId?: string;
  /** Time of row 0. */
  startMs: number;
}
