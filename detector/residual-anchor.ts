// Per asset and channel, a second level the residual may be scored against: after an event a
// plant often settles at another steady operating point (a set-point, a product, a valve
// position) that the model never saw, and an alert held open on it for hours is what makes
// operators mute a detector. While an alert is open, a channel whose level has been steady for
// `steadyMs` (within `steadyTolerance` of where the steady stretch began), lies within `maxOffset` of the trained level and (with `reversalRatio` < 1) has
// partly returned from its peak becomes anchored at that level. Each window then scores each
// channel against whichever anchor, the trained level (0) or the new one, its newest residuals
// lie closer to, so the plant going back to its old level is normal too. A fault that keeps
// moving (a drift), exceeds the bound, or never returns is never anchored. With `gradualStep`,
// the return is asked only of a channel that jumped: parts that break, stick or close make steps,
// while set-point ramps and settling controllers move a channel gradually, so a gradual move to a
// steady, bounded level is anchored without a return and a persistent step stays detected.
// O(C) numbers per asset.
import { recordOf } from '../core/index.js';
import type { ReanchorConfig } from './config.js';

/** One asset's anchoring state, JSON-serialisable. */
export interface AnchorState {
  /** Moving average of each channel's newest residuals (normalized units): its current level. */
  fast: number[];
  /** The level each channel's steady stretch began at; null when not steady with an alert open. */
  candidate: (number | null)[];
  /** Largest |fast| per channel since the open alert began (0 with no alert open). */
  peak: number[];
  /** Data time since which each channel has been steady with an alert open; null when not. */
  steadySinceMs: (number | null)[];
  /** The second anchor per channel (0: none). */
  offset: number[];
  /** Short moving average of each channel's newest residuals (`stepAlpha`; with `gradualStep`). */
  short?: number[];
  /** Largest window-to-window change of `short`, held while an alert is open (with `gradualStep`). */
  jump?: number[];
}

export interface ResidualAnchors {
  /**
   * Updates the asset's state with the window's residuals (T, C) and returns them with each
   * channel scored against its nearer anchor. The returned array is reused by the next call.
   */
  apply(
    assetId: string,
    residuals: Float32Array,
    T: number,
    C: number,
    alertOpen: boolean,
    atMs: number,
  ): Float32Array;
  snapshot(assetIds?: Iterable<string>): Record<string, AnchorState>;
  drop(assetId: string): void;
  /** Takes these assets' states (from another instance's snapshot), replacing what is held. */
  restore(states: Record<string, AnchorState>): void;
}

export function createResidualAnchors(
  config: ReanchorConfig,
  hopSteps: number,
  restore: Record<string, AnchorState> = {},
): ResidualAnchors {
  const states = new Map<string, AnchorState>();
  for (const [assetId, state] of Object.entries(restore)) states.set(assetId, structuredClone(state));
  let out = new Float32Array(0);

  const fresh = (C: number): AnchorState => ({
    fast: new Array(C).fill(0),
    candidate: new Array(C).fill(null),
    peak: new Array(C).fill(0),
    steadySinceMs: new Array(C).fill(null),
    offset: new Array(C).fill(0),
    ...(config.gradualStep !== undefined ? { short: new Array(C).fill(0), jump: new Array(C).fill(0) } : {}),
  });

  /** Whether channel c moved only gradually so far (false without `gradualStep`: every move needs the return). */
  const trackMove = (state: AnchorState, c: number, level: number, alertOpen: boolean): boolean => {
    if (config.gradualStep === undefined) return false;
    if (state.short === undefined || state.jump === undefined) {
      // A state saved without the guard: start its memory now.
      state.short = state.fast.map(() => 0);
      state.jump = state.fast.map(() => 0);
    }
    const short = config.stepAlpha * level + (1 - config.stepAlpha) * state.short[c]!;
    const change = Math.abs(short - state.short[c]!);
    state.short[c] = short;
    // Held while an alert is open; otherwise it fades as the level average forgets, so the jump
    // that opened the alert a few windows later still counts.
    const held = alertOpen ? state.jump[c]! : (1 - config.fastAlpha) * state.jump[c]!;
    state.jump[c] = Math.max(change, held);
    return state.jump[c]! <= config.gradualStep;
  };

  const steadyLongEnough = (state: AnchorState, c: number, atMs: number, gradual: boolean): boolean => {
    const fast = state.fast[c]!;
    return (
      atMs - (state.steadySinceMs[c] ?? atMs) >= config.steadyMs &&
      Math.abs(fast) <= config.maxOffset &&
      (gradual || Math.abs(fast) <= config.reversalRatio * state.peak[c]!)
    );
  };

  return {
    apply(assetId, residuals, T, C, alertOpen, atMs) {
      let state = states.get(assetId);
      if (state === undefined || state.fast.length !== C) {
        state = fresh(C);
        states.set(assetId, state);
      }
      if (out.length !== residuals.length) out = new Float32Array(residuals.length);
      const from = Math.max(0, T - hopSteps);
      for (let c = 0; c < C; c++) {
        let level = 0;
        for (let t = from; t < T; t++) level += residuals[t * C + c];
        level /= T - from;
        const fast = config.fastAlpha * level + (1 - config.fastAlpha) * state.fast[c];
        state.fast[c] = fast;
        const gradual = trackMove(state, c, level, alertOpen);
        const candidate = state.candidate[c];
        if (!alertOpen) {
          state.peak[c] = 0;
          state.candidate[c] = null;
          state.steadySinceMs[c] = null;
        } else if (candidate === null || Math.abs(fast - candidate) > config.steadyTolerance) {
          // Moving (or just opened): a steady stretch starts again from here. Measured from its
          // start, not against a lagging average, so a slow drift leaves the band too.
          state.peak[c] = Math.max(state.peak[c], Math.abs(fast));
          state.candidate[c] = fast;
          state.steadySinceMs[c] = atMs;
        } else {
          state.peak[c] = Math.max(state.peak[c], Math.abs(fast));
          if (steadyLongEnough(state, c, atMs, gradual)) state.offset[c] = fast;
        }
        // The nearer anchor for this window, judged on the newest residuals.
        const offset = Math.abs(level - state.offset[c]) < Math.abs(level) ? state.offset[c] : 0;
        for (let t = 0; t < T; t++) out[t * C + c] = residuals[t * C + c] - offset;
      }
      return out;
    },
    snapshot: (assetIds) => recordOf(states, assetIds, (state) => structuredClone(state)),
    drop(assetId) {
      states.delete(assetId);
    },
    restore(restored) {
      for (const [assetId, state] of Object.entries(restored)) states.set(assetId, structuredClone(state));
    },
  };
}
