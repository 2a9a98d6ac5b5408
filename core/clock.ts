// Time as a dependency: components take a Clock in `deps` so tests can drive
// time by hand instead of sleeping.

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
  /** Monotonic milliseconds, for measuring durations. */
  monotonicMs(): number;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
};

/** A clock that only moves when told to; for unit tests. */
export class ManualClock implements Clock {
  #nowMs: number;
  #monotonicMs = 0;
  constructor(startMs = 0) {
    this.#nowMs = startMs;
  }
  nowMs(): number {
    return this.#nowMs;
  }
  monotonicMs(): number {
    return this.#monotonicMs;
  }
  advance(ms: number): void {
    this.#nowMs += ms;
    this.#monotonicMs += ms;
  }
  set(ms: number): void {
    this.#nowMs = ms;
  }
}
