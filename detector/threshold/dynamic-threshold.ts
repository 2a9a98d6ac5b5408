// Nonparametric dynamic threshold after Hundman et al. (2018), "Detecting
// Spacecraft Anomalies Using LSTMs and Nonparametric Dynamic Thresholding"
// (Telemanom): over a window of smoothed errors e_s, ε = μ(e_s) + z·σ(e_s),
// with z chosen from a range to maximise (Δμ/μ + Δσ/σ) / (|e_a| + |E_seq|²).
import type { ThresholdConfig } from '../config.js';

export type DynamicThresholdParams = Omit<Extract<ThresholdConfig, { type: 'dynamic' }>, 'type'>;

export interface DynamicThresholdResult {
  /** ε, or undefined when the window has no spread (σ = 0) and nothing can be told apart. */
  value: number | undefined;
  mean: number;
  std: number;
  /** The z chosen; `zMax` when no candidate qualified. */
  z: number;
  /** Number of scores at or above ε (without the neighbour buffer). */
  aboveCount: number;
}

/**
 * ε over `scores[0..length)`. `flags` is scratch space of at least `length`
 * entries, passed in so the live class allocates nothing per update.
 *
 * Follows Telemanom's `find_epsilon`: candidates z = zMin, zMin+zStep, … ≤ zMax;
 * e_a = scores ≥ ε widened by `bufferScores` neighbours on each side; E_seq =
 * the runs of consecutive e_a indices (every run counts, also single ones);
 * μ and σ of the pruned set (scores < ε) give the decrease. A candidate is
 * rejected when it yields more than `maxSequences` runs or flags half the
 * window or more. σ is the population deviation. Unlike Telemanom, ties go to
 * the smaller z: candidates that flag the same scores are equally good, and
 * the lowest such ε keeps score / ε meaningful (a large spike gets a large
 * ratio instead of one just above 1) without flagging anything more.
 */
export function findDynamicThreshold(
  scores: ArrayLike<number>,
  length: number,
  params: DynamicThresholdParams,
  flags: Uint8Array = new Uint8Array(length),
): DynamicThresholdResult {
  let sum = 0;
  for (let i = 0; i < length; i++) sum += scores[i];
  const mean = sum / length;
  let sq = 0;
  for (let i = 0; i < length; i++) sq += (scores[i] - mean) * (scores[i] - mean);
  const std = Math.sqrt(sq / length);
  if (!(std > 0) || !(mean > 0)) return { value: undefined, mean, std, z: params.zMax, aboveCount: 0 };

  let bestZ = params.zMax;
  let bestScore = Number.NEGATIVE_INFINITY;
  // Integer steps avoid drift from adding a float step repeatedly.
  const candidates = Math.floor((params.zMax - params.zMin) / params.zStep + 1e-9);
  for (let k = 0; k <= candidates; k++) {
    const z = params.zMin + k * params.zStep;
    const epsilon = mean + z * std;
    flags.fill(0, 0, length);
    let prunedSum = 0;
    let prunedCount = 0;
    for (let i = 0; i < length; i++) {
      if (scores[i] >= epsilon) {
        const from = Math.max(0, i - params.bufferScores);
        const to = Math.min(length - 1, i + params.bufferScores);
        for (let j = from; j <= to; j++) flags[j] = 1;
      } else {
        prunedSum += scores[i];
        prunedCount += 1;
      }
    }
    if (prunedCount === length || prunedCount === 0) continue;
    let anomalous = 0;
    let sequences = 0;
    for (let i = 0; i < length; i++) {
      if (flags[i] === 1) {
        anomalous += 1;
        if (i === 0 || flags[i - 1] === 0) sequences += 1;
      }
    }
    const prunedMean = prunedSum / prunedCount;
    let prunedSq = 0;
    for (let i = 0; i < length; i++) {
      if (scores[i] < epsilon) prunedSq += (scores[i] - prunedMean) * (scores[i] - prunedMean);
    }
    const prunedStd = Math.sqrt(prunedSq / prunedCount);
    const objective =
      ((mean - prunedMean) / mean + (std - prunedStd) / std) / (sequences * sequences + anomalous);
    if (objective > bestScore && sequences <= params.maxSequences && anomalous < length * 0.5) {
      bestScore = objective;
      bestZ = z;
    }
  }
  const value = mean + bestZ * std;
  let aboveCount = 0;
  for (let i = 0; i < length; i++) if (scores[i] >= value) aboveCount += 1;
  return { value, mean, std, z: bestZ, aboveCount };
}

/**
 * The live form: one per asset, fed every new (smoothed) score in order.
 * `update` appends the score to the window and returns the threshold the score
 * is judged against — computed over the window that already contains it, as
 * Telemanom does, so a spike is judged among its neighbours.
 *
 * Warm-up: while fewer than `minScores` scores have been seen, `update`
 * returns undefined and the asset is not alerted on. After warm-up the result
 * is max(ε, floor) when a floor is set (the calibrated value), else ε; a
 * window without spread gives the floor, or undefined without one.
 * Non-finite scores are not added to the window and yield undefined.
 */
export class DynamicThreshold {
  readonly #params: DynamicThresholdParams;
  readonly #floor: number | undefined;
  readonly #ring: Float64Array;
  readonly #ordered: Float64Array;
  readonly #flags: Uint8Array;
  #head = 0;
  #count = 0;

  constructor(params: DynamicThresholdParams, floor?: number, history: readonly number[] = []) {
    this.#params = params;
    this.#floor = floor;
    this.#ring = new Float64Array(params.windowSize);
    this.#ordered = new Float64Array(params.windowSize);
    this.#flags = new Uint8Array(params.windowSize);
    for (const score of history) this.#push(score);
  }

  /** True once `minScores` scores have been seen. */
  get isWarm(): boolean {
    return this.#count >= this.#params.minScores;
  }

  update(score: number): number | undefined {
    if (!Number.isFinite(score)) return undefined;
    this.#push(score);
    if (!this.isWarm) return undefined;
    const size = this.#count;
    const start = (this.#head - size + this.#ring.length) % this.#ring.length;
    for (let i = 0; i < size; i++) this.#ordered[i] = this.#ring[(start + i) % this.#ring.length];
    const { value } = findDynamicThreshold(this.#ordered, size, this.#params, this.#flags);
    if (value === undefined) return this.#floor;
    return this.#floor === undefined ? value : Math.max(value, this.#floor);
  }

  /** The window's scores, oldest first; JSON-serialisable, for persistence. */
  history(): number[] {
    const size = this.#count;
    const start = (this.#head - size + this.#ring.length) % this.#ring.length;
    return Array.from({ length: size }, (_, i) => this.#ring[(start + i) % this.#ring.length]);
  }

  #push(score: number): void {
    this.#ring[this.#head] = score;
    this.#head = (this.#head + 1) % this.#ring.length;
    if (this.#count < this.#ring.length) this.#count += 1;
  }
}
