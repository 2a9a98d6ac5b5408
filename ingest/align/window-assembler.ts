// The windower: per asset a ring buffer of T frames × C channels (Float32Array),
// one window every `hop` frames once T frames are in. Memory per asset is
// fixed at creation; a discontinuity in the frame sequence restarts the ring.
import type { AlignedFrame, AlignedWindow, FrameState } from '../../core/index.js';

export interface WindowOptions {
  /** Frames per window; must equal the model's T. */
  T: number;
  /** A window is emitted every `hop` frames (hop = T: no overlap; hop = 1: a window per frame). */
  hop: number;
}

export interface WindowAssembler {
  push(frame: AlignedFrame): void;
  /** Forgets these assets' rings; their next window needs T new frames (warm-up). */
  dropAssets(assetIds: Iterable<string>): void;
}

const OK = 0;
const GAP = 1;
const UNKNOWN = 2;
const stateCode: Record<FrameState, number> = { ok: OK, gap: GAP, unknown: UNKNOWN };

class Ring {
  readonly #T: number;
  readonly #C: number;
  readonly values: Float32Array; // (T, C), slot-major ring
  readonly #states: Uint8Array; // (T)
  readonly window: AlignedWindow;
  #write = 0; // slot the next frame goes into == oldest slot once full
  #filled = 0;
  #lastEndMs = Number.NaN;
  #gapFrames = 0;
  #unknownFrames = 0;

  constructor(frame: AlignedFrame, T: number, periodMs: number) {
    this.#T = T;
    this.#C = frame.channels.length;
    this.values = new Float32Array(T * this.#C);
    this.#states = new Uint8Array(T);
    this.window = {
      assetId: frame.assetId,
      channels: frame.channels,
      startMs: 0,
      endMs: 0,
      periodMs,
      values: new Float32Array(T * this.#C),
      state: 'ok',
    };
  }

  /** Returns true when a window is due. */
  push(frame: AlignedFrame, hop: number): boolean {
    if (this.#filled > 0 && frame.startMs !== this.#lastEndMs) this.#reset();
    const C = this.#C;
    const slot = this.#write;
    if (this.#filled === this.#T) this.#countState(this.#states[slot], -1);
    this.values.set(frame.values, slot * C);
    const code = stateCode[frame.state];
    this.#states[slot] = code;
    this.#countState(code, 1);
    this.#write = (slot + 1) % this.#T;
    if (this.#filled < this.#T) this.#filled++;
    this.#lastEndMs = frame.endMs;
    // Windows end on grid cells whose index since the epoch is a multiple of hop, not on
    // frames counted since this ring started: a restart that rebuilds the ring from a journal,
    // or another instance taking the asset over, produces exactly the same windows.
    const cell = Math.round(frame.startMs / this.window.periodMs);
    if (this.#filled < this.#T || (cell + 1) % hop !== 0) return false;
    this.#fillWindow(frame.endMs);
    return true;
  }

  #fillWindow(endMs: number): void {
    const C = this.#C;
    const T = this.#T;
    const out = this.window.values;
    // Unroll the ring oldest-first: slots [write, T) then [0, write).
    const split = this.#write * C;
    out.set(this.values.subarray(split), 0);
    out.set(this.values.subarray(0, split), (T - this.#write) * C);
    this.window.endMs = endMs;
    this.window.startMs = endMs - T * this.window.periodMs;
    this.window.state = this.#unknownFrames > 0 ? 'unknown' : this.#gapFrames > 0 ? 'gap' : 'ok';
  }

  #countState(code: number, delta: number): void {
    if (code === GAP) this.#gapFrames += delta;
    else if (code === UNKNOWN) this.#unknownFrames += delta;
  }

  #reset(): void {
    this.#write = 0;
    this.#filled = 0;
    this.#gapFrames = 0;
    this.#unknownFrames = 0;
  }
}

/** `onWindow` gets a window whose `values` are reused: valid only during the call. */
export function createWindowAssembler(
  options: WindowOptions,
  onWindow: (window: AlignedWindow) => void,
): WindowAssembler {
  const rings = new Map<string, Ring>();
  return {
    push(frame) {
      let ring = rings.get(frame.assetId);
      if (ring === undefined) {
        ring = new Ring(frame, options.T, frame.endMs - frame.startMs);
        rings.set(frame.assetId, ring);
      }
      if (ring.push(frame, options.hop)) onWindow(ring.window);
    },
    dropAssets(assetIds) {
      for (const id of assetIds) rings.delete(id);
    },
  };
}
