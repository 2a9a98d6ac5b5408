// Label-free tuning data for the eval preset, built from one recording of normal operation
// (SKAB's anomaly-free.csv): consecutive chunks as they are (the normal set, every row normal,
// for the false-alarm rate) and the same chunks with one synthetic fault planted on two random
// channels (the fault set, labelled by construction). No labelled benchmark file is read.
import { createRng, quantileOfSorted, type Rng } from '../../core/index.js';
import type { LabeledSeries } from '../labeled-csv/labeled-csv.js';
import type { FullyLabeledSeries } from '../labeled-csv/labeled-csv-writer.js';

export const faultKinds = ['step', 'ramp', 'noise', 'replay'] as const;
export type FaultKind = (typeof faultKinds)[number];

export interface TuningSetOptions {
  /** Rows per chunk; chunks are consecutive and do not overlap. */
  chunkRows: number;
  chunks: number;
  /** Rows at the start of a chunk whose spread (σ per channel) sizes the faults: the training rows. */
  trainRows: number;
  /** The fault covers rows [faultFrom, faultTo) of its chunk. */
  faultFrom: number;
  faultTo: number;
  /** How far back, in rows, a `replay` fault copies the channel from. */
  replayLagRows: number;
  /**
   * A fault's unit (σ) is at least this fraction of the channel's median magnitude over the
   * training rows: the premise of the preset's normalizer floor (`relativeScaleFloor`), that a
   * change below a sensor's accuracy class is not evidence, applied to the faults it is tuned on.
   * 0 sizes faults by the standard deviation alone.
   */
  faultScaleFloor: number;
  seed: number;
}

export const defaultTuningSetOptions: TuningSetOptions = {
  chunkRows: 1150,
  chunks: 8,
  trainRows: 400,
  faultFrom: 600,
  faultTo: 950,
  replayLagRows: 300,
  faultScaleFloor: 0.03,
  seed: 1,
};

/** A chunk with its labels: (N) timestamps, (N, C) values, (N) anomaly and changepoint flags. */
export interface TuningFile {
  name: string;
  series: FullyLabeledSeries;
  /** The planted fault, for the fault set. */
  fault?: { kind: FaultKind | FamilyKind; channels: string[] };
}

function chunkOf(source: LabeledSeries, k: number, rows: number): TuningFile['series'] {
  const C = source.channels.length;
  return {
    channels: [...source.channels],
    timestampsMs: source.timestampsMs.slice(k * rows, (k + 1) * rows),
    values: source.values.slice(k * rows * C, (k + 1) * rows * C),
    anomaly: new Uint8Array(rows),
    changepoint: new Uint8Array(rows),
  };
}

/** Population standard deviation of channel c over the first `rows` rows. */
function channelStd(values: Float64Array, C: number, c: number, rows: number): number {
  let sum = 0;
  for (let i = 0; i < rows; i++) sum += values[i * C + c];
  const mean = sum / rows;
  let sumSq = 0;
  for (let i = 0; i < rows; i++) sumSq += (values[i * C + c] - mean) ** 2;
  return Math.sqrt(sumSq / rows);
}

/** Median of |channel c| over the first `rows` rows. */
function channelMedianMagnitude(values: Float64Array, C: number, c: number, rows: number): number {
  const magnitudes = Float64Array.from({ length: rows }, (_, i) => Math.abs(values[i * C + c])).sort();
  return quantileOfSorted(magnitudes, 0.5);
}

/** The unit a fault on channel c is sized in: the training rows' σ, floored at `faultScaleFloor` of the level. */
export function faultUnit(
  values: Float64Array,
  C: number,
  c: number,
  options: Pick<TuningSetOptions, 'trainRows' | 'faultScaleFloor'>,
): number {
  return Math.max(
    channelStd(values, C, c, options.trainRows),
    options.faultScaleFloor * channelMedianMagnitude(values, C, c, options.trainRows),
  );
}

/** Plants `kind` on channel c of a chunk in place, in rows [from, to). */
export function plantFault(
  series: TuningFile['series'],
  c: number,
  kind: FaultKind,
  options: Pick<
    TuningSetOptions,
    'trainRows' | 'faultFrom' | 'faultTo' | 'replayLagRows' | 'faultScaleFloor'
  >,
  rng: Rng,
): void {
  const { values } = series;
  const C = series.channels.length;
  const { faultFrom: from, faultTo: to } = options;
  const sigma = faultUnit(values, C, c, options);
  const sign = rng.next() < 0.5 ? -1 : 1;
  for (let i = from; i < to; i++) {
    const at = i * C + c;
    switch (kind) {
      case 'step':
        values[at] += sign * 3 * sigma;
        break;
      case 'ramp':
        values[at] += (sign * 6 * sigma * (i - from + 1)) / (to - from);
        break;
      case 'noise':
        values[at] += 3 * sigma * rng.gaussian();
        break;
      case 'replay':
        values[at] = values[(i - options.replayLagRows) * C + c];
        break;
    }
  }
}

/**
 * The normal set and the fault set. Chunk k's fault is `faultKinds[k % 4]` on two distinct random
 * channels; anomaly is 1 on the fault rows, changepoint 1 at its first row and at the row after it.
 */
export function buildTuningSets(
  source: LabeledSeries,
  options: TuningSetOptions = defaultTuningSetOptions,
): { normal: TuningFile[]; fault: TuningFile[] } {
  const { chunkRows, chunks, faultFrom, faultTo } = options;
  const C = source.channels.length;
  const available = Math.floor(source.timestampsMs.length / chunkRows);
  if (available < chunks || C < 2 || faultFrom - options.replayLagRows < 0 || faultTo > chunkRows) {
    throw new RangeError(
      `cannot cut ${chunks} chunks of ${chunkRows} rows with a fault in rows ${faultFrom}–${faultTo} from ${source.timestampsMs.length} rows of ${C} channels`,
    );
  }
  const rng = createRng(options.seed);
  const normal: TuningFile[] = [];
  const fault: TuningFile[] = [];
  for (let k = 0; k < chunks; k++) {
    normal.push({ name: `normal/${k}.csv`, series: chunkOf(source, k, chunkRows) });
    const series = chunkOf(source, k, chunkRows);
    const kind = faultKinds[k % faultKinds.length];
    const first = Math.floor(rng.next() * C);
    const second = (first + 1 + Math.floor(rng.next() * (C - 1))) % C;
    for (const c of [first, second]) plantFault(series, c, kind, options, rng);
    series.anomaly.fill(1, faultFrom, faultTo);
    series.changepoint[faultFrom] = 1;
    series.changepoint[faultTo] = 1;
    fault.push({
      name: `fault/${k}.csv`,
      series,
      fault: { kind, channels: [series.channels[first], series.channels[second]] },
    });
  }
  return { normal, fault };
}

/**
 * Families of cases a detector must tell apart, each labelled by construction (fault rows 1,
 * everything else 0), all sized in `faultUnit`:
 * - `setpoint`: two channels move over 20 rows to a new level 1.5 units away and stay there to
 *   the end (a set-point or product change: labelled normal throughout);
 * - `aftermath`: a 3-unit step on two channels in the fault rows, after which one of them stays
 *   1 unit off to the end (the plant settles at another steady state: labelled normal);
 * - `persistent`: a 3-unit step on two channels from `faultFrom` to the end of the record;
 * - `variance`: the noise of two channels grows by 2 units (standard deviation) in the fault rows,
 *   the level unchanged;
 * - `drift`: two channels ramp from 0 to 4 units between `faultFrom` and the end of the record;
 * - `quiet`: a 3-unit step in the fault rows on the channel whose unit is set by the floor of its
 *   level most (the quietest relative to its scale);
 * - `compensated`: a 4-unit step on three channels for 100 rows (at most a third of the fault rows), after which two
 *   return and one stays 3 units off to the end of the record (controllers compensating a fault);
 * - `held-step`: a 2-unit step on two channels from `faultFrom` to the end of the record: a
 *   persistent fault small enough for a new steady level to be taken as normal, so only a
 *   detector that tells a fault from a new operating point keeps it detected.
 * Chunks `familyChunks` of the normal set carry them.
 */
export const familyKinds = [
  'setpoint',
  'aftermath',
  'persistent',
  'variance',
  'drift',
  'quiet',
  'compensated',
  'held-step',
] as const;
export type FamilyKind = (typeof familyKinds)[number];

/** Chunks of the normal set that carry each family (every other chunk, to keep a run short). */
export const familyChunks = [0, 2, 4, 6] as const;

function addLevel(
  series: TuningFile['series'],
  c: number,
  from: number,
  to: number,
  level: (i: number) => number,
): void {
  const C = series.channels.length;
  for (let i = from; i < to; i++) series.values[i * C + c] += level(i);
}

/** Chunk k's channel whose `faultUnit` exceeds its standard deviation the most (ties: the first). */
function quietestChannel(series: TuningFile['series'], options: TuningSetOptions): number {
  const C = series.channels.length;
  let best = 0;
  let bestRatio = -1;
  for (let c = 0; c < C; c++) {
    const ratio =
      faultUnit(series.values, C, c, options) / (channelStd(series.values, C, c, options.trainRows) || 1e-12);
    if (ratio > bestRatio) {
      best = c;
      bestRatio = ratio;
    }
  }
  return best;
}

/** The family files: `<family>/<chunk>.csv` for every family and every chunk in `familyChunks`. */
export function buildFamilySets(
  source: LabeledSeries,
  options: TuningSetOptions = defaultTuningSetOptions,
): TuningFile[] {
  const { chunkRows, faultFrom: from, faultTo: to } = options;
  const C = source.channels.length;
  const compensatedAt = from + Math.min(100, Math.round((to - from) / 3));
  const rng = createRng(options.seed + 1000);
  const files: TuningFile[] = [];
  for (const kind of familyKinds) {
    for (const k of familyChunks) {
      if (k >= options.chunks) continue;
      const series = chunkOf(source, k, chunkRows);
      const first = Math.floor(rng.next() * C);
      const second = (first + 1 + Math.floor(rng.next() * (C - 1))) % C;
      let third = (second + 1) % C;
      while (third === first || third === second) third = (third + 1) % C;
      const sign = rng.next() < 0.5 ? -1 : 1;
      const unit = (c: number) => sign * faultUnit(series.values, C, c, options);
      let channels = [first, second];
      let faultEnd = to;
      switch (kind) {
        case 'setpoint':
          for (const c of channels)
            addLevel(series, c, from, chunkRows, (i) => 1.5 * unit(c) * Math.min(1, (i - from + 1) / 20));
          faultEnd = from;
          break;
        case 'aftermath':
          for (const c of channels) addLevel(series, c, from, to, () => 3 * unit(c));
          addLevel(series, first, to, chunkRows, () => unit(first));
          break;
        case 'persistent':
        case 'held-step': {
          const size = kind === 'persistent' ? 3 : 2;
          for (const c of channels) addLevel(series, c, from, chunkRows, () => size * unit(c));
          faultEnd = chunkRows;
          break;
        }
        case 'variance':
          for (const c of channels)
            addLevel(series, c, from, to, () => 2 * Math.abs(unit(c)) * rng.gaussian());
          break;
        case 'drift':
          for (const c of channels)
            addLevel(series, c, from, chunkRows, (i) => (4 * unit(c) * (i - from + 1)) / (chunkRows - from));
          faultEnd = chunkRows;
          break;
        case 'quiet': {
          const c = quietestChannel(series, options);
          channels = [c];
          addLevel(series, c, from, to, () => 3 * unit(c));
          break;
        }
        case 'compensated':
          channels = [first, second, third];
          for (const c of channels) addLevel(series, c, from, compensatedAt, () => 4 * unit(c));
          addLevel(series, first, compensatedAt, chunkRows, () => 3 * unit(first));
          faultEnd = chunkRows;
          break;
      }
      if (faultEnd > from) {
        series.anomaly.fill(1, from, faultEnd);
        series.changepoint[from] = 1;
        if (faultEnd < chunkRows) series.changepoint[faultEnd] = 1;
      }
      files.push({
        name: `${kind}/${k}.csv`,
        series,
        fault: { kind, channels: channels.map((c) => series.channels[c]) },
      });
    }
  }
  return files;
}
