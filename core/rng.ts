// Seeded random numbers for every room: the same seed and stream name repeat a run bit for bit.
// Two algorithms, because trained models, PyTorch parity fixtures, evaluation figures and the
// simulator's planted anomalies pin their sequences: mulberry32 (the default) and xoshiro128**
// (the model's initialisation and training order). Gaussians are Box–Muller.

/** A seeded generator with the draws the rooms need. */
export interface Rng {
  /** Uniform in [0, 1) with 32 bits of resolution. */
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

export type RngAlgorithm = 'mulberry32' | 'xoshiro128**';

export interface RngOptions {
  /** Name of an independent stream split off the seed (e.g. `noise:pump-001`); see `deriveSeed`. */
  stream?: string;
  /** Default `mulberry32`. */
  algorithm?: RngAlgorithm;
  /**
   * Keep Box–Muller's second normal for the next `gaussian()` call: half the uniforms per normal.
   * Off by default, so that each `gaussian()` consumes exactly two uniforms.
   */
  pairGaussians?: boolean;
}

/** A generator for `seed` (and `options.stream`, when given). */
export function createRng(seed: number, options: RngOptions = {}): Rng {
  const start = options.stream === undefined ? seed : deriveSeed(seed, options.stream);
  const nextU32 = options.algorithm === 'xoshiro128**' ? xoshiro128ss(start) : mulberry32(start);
  const next = (): number => nextU32() / 4_294_967_296;
  return {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    gaussian: options.pairGaussians ? pairedGaussian(next) : () => boxMuller(next)[0],
    // 1 - next() lies in (0, 1], so the logarithm is finite.
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

/** Fisher–Yates shuffle of `order` in place. */
export function shuffleInPlace(order: Uint32Array, rng: Rng): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
}

/** Two independent standard normals from two uniforms. */
function boxMuller(next: () => number): [number, number] {
  const radius = Math.sqrt(-2 * Math.log(1 - next()));
  const angle = 2 * Math.PI * next();
  return [radius * Math.cos(angle), radius * Math.sin(angle)];
}

function pairedGaussian(next: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const g = spare;
      spare = undefined;
      return g;
    }
    const [g, second] = boxMuller(next);
    spare = second;
    return g;
  };
}

/** mulberry32 (Tommy Ettinger): 32-bit state, passes PractRand up to 2^32 outputs. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return (z ^ (z >>> 14)) >>> 0;
  };
}

/** xoshiro128** (Blackman–Vigna), its 128-bit state filled by splitmix32. */
function xoshiro128ss(seed: number): () => number {
  const fill = splitmix32(seed);
  let a = fill();
  let b = fill();
  let c = fill();
  let d = fill();
  return () => {
    const result = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d >>> 0, 11);
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    return result;
  };
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
