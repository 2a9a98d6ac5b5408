// The simulator's only source of randomness: mulberry32, seeded, so a run with
// the same seed repeats bit for bit. Gaussian draws use Box–Muller; streams for
// assets and anomalies are split off with a string hash so they never share state.

/** A seeded uniform generator with the draws the models need. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number;
  /** Standard normal (mean 0, standard deviation 1). */
  gaussian(): number;
  /** Exponential with the given mean (waiting times of a Poisson process). */
  exponential(mean: number): number;
  /** Integer in [0, n). */
  int(n: number): number;
}

/** mulberry32 (Tommy Ettinger): 32-bit state, passes PractRand up to 2^32 outputs; ample for simulation. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  let spareGaussian: number | undefined;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    gaussian: () => {
      if (spareGaussian !== undefined) {
        const g = spareGaussian;
        spareGaussian = undefined;
        return g;
      }
      // 1 - next() lies in (0, 1], so the logarithm is finite.
      const radius = Math.sqrt(-2 * Math.log(1 - next()));
      const angle = 2 * Math.PI * next();
      spareGaussian = radius * Math.sin(angle);
      return radius * Math.cos(angle);
    },
    exponential: (mean) => -mean * Math.log(1 - next()),
    int: (n) => Math.floor(next() * n),
  };
}

/** A seed for an independent stream named `label` (FNV-1a over the label, mixed with the parent seed). */
export function deriveSeed(seed: number, label: string): number {
  let hash = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  // One round of the murmur3 finalizer spreads nearby labels ("pump-001", "pump-002") apart.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b) >>> 0;
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35) >>> 0;
  hash ^= hash >>> 16;
  return hash >>> 0;
}
