// Per asset and channel, a second level the residual may be scored against: after an event a
// plant often settles at another steady operating point (a set-point, a product, a valve
// position) that the model never saw, and an alert held open on it for hours is what makes
// operators mute a detector. While an alert is open, a channel whose level has been steady for
// `steadyMs` (within `steadyTolerance` of where the steady stretch began), lies within `maxOffset` of the trained level and (with `reversalRatio` < 1) has
// partly returned from its peak becomes anchored at that level. Each window then scores each
// channel against whichever anchor, the trained level (0) or the new one, its newest residuals
// lie closer to, so the plant going back to its old level is normal too. A fault that keeps
// moving (a drift), exceeds the bound, or never returns is never anchored. O(C) numbers per asset.
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
  });

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
          if (
            atMs - (state.steadySinceMs[c] ?? atMs) >= config.steadyMs &&
            Math.abs(fast) <= config.maxOffset &&
            Math.abs(fast) <= config.reversalRatio * state.peak[c]
          ) {
            state.offset[c] = fast;
          }
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
