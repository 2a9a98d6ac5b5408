// Training-data selection: the asset's frames on the period grid, with every
// row that is not plain normal operation blanked out (NaN) and counted by
// reason. Each exclusion kind becomes a sorted list of merged intervals that is
// swept over the rows once, so the cost is O(rows · C + periods), not O(rows · periods).
import { matchesAssetPattern, PipelineError } from '../../core/index.js';
import type { MaintenanceWindow } from '../config.js';
import type { AlertEventRecord, FrameRecord } from '../sinks/records.js';
import { isWindowActive } from '../suppression.js';
import { alertPeriods } from './alert-periods.js';
import type { OperatorLabel } from './operator-label.js';

/** Why a row is not trained on; when several apply, the first in this order wins. */
export type ExclusionReason = 'missing' | 'unknown' | 'operator' | 'maintenance' | 'silence' | 'alert';

const reasons: readonly ExclusionReason[] = [
  'missing',
  'unknown',
  'operator',
  'maintenance',
  'silence',
  'alert',
];
const missingCode = 0;
const unknownCode = 1;
const operatorCode = 2;
const maintenanceCode = 3;
const silenceCode = 4;
const alertCode = 5;
const cleanCode = 255;

/** A silence from its creation to its end. */
export interface SilencePeriod {
  assetPattern: string;
  fromMs: number;
  /** Exclusive. */
  untilMs: number;
}

export interface TrainingExclusions {
  /** Alert events of the lookback range (any assets; those of other assets are ignored). */
  alerts: readonly AlertEventRecord[];
  silences: readonly SilencePeriod[];
  maintenance: readonly MaintenanceWindow[];
  labels: readonly OperatorLabel[];
  alertMarginBeforeMs: number;
  alertMarginAfterMs: number;
  /** End of alerts that are still open. */
  nowMs: number;
}

export interface SelectedFrames {
  assetId: string;
  channels: readonly string[];
  periodMs: number;
  /** Time of row 0: `fromMs` snapped up to the period grid (rows sit at atMs % periodMs === 0). */
  startMs: number;
  /** Dense on the grid [startMs, toMs); every cell of an excluded or missing row is NaN. */
  frames: Float32Array; // (N, C)
  rows: number;
  cleanRows: number;
  excludedRows: Record<ExclusionReason, number>;
  /** Runs of consecutive rows with one reason, oldest first; `toMs` is exclusive. */
  excludedPeriods: { reason: ExclusionReason; fromMs: number; toMs: number }[];
}

export interface SelectTrainingFramesInput {
  assetId: string;
  /** The model's channels, in column order. */
  channels: readonly string[];
  periodMs: number;
  fromMs: number;
  /** Exclusive. */
  toMs: number;
  /** Frames in any order; frames of other assets are ignored; the later of two frames on one row wins. */
  frames: Iterable<FrameRecord>;
  exclusions: TrainingExclusions;
}

/** Half-open [fromMs, toMs). */
interface Interval {
  fromMs: number;
  toMs: number;
}

function invalid(message: string, details: Record<string, unknown>): PipelineError {
  return new PipelineError('DETECTOR_INPUT_INVALID', message, { details });
}

function checkInput(input: SelectTrainingFramesInput): void {
  const { assetId, channels, periodMs, fromMs, toMs, exclusions } = input;
  if (!Number.isInteger(periodMs) || periodMs <= 0)
    throw invalid(`periodMs must be a positive whole number of milliseconds, got ${periodMs}`, { periodMs });
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs < fromMs)
    throw invalid(`the range fromMs=${fromMs}, toMs=${toMs} is not a finite range with toMs >= fromMs`, {
      fromMs,
      toMs,
    });
  if (channels.length === 0)
    throw invalid(`channels of asset "${assetId}" is empty; the model needs at least one channel`, {
      assetId,
    });
  if (new Set(channels).size !== channels.length)
    throw invalid(`channels of asset "${assetId}" lists a name twice: ${channels.join(', ')}`, {
      assetId,
      channels,
    });
  for (const key of ['alertMarginBeforeMs', 'alertMarginAfterMs'] as const) {
    if (!(exclusions[key] >= 0) || !Number.isFinite(exclusions[key]))
      throw invalid(`exclusions.${key} must be a finite number >= 0, got ${exclusions[key]}`, {
        [key]: exclusions[key],
      });
  }
}

/** Sorts and merges overlapping or touching intervals; empty ones are dropped. */
function mergeIntervals(intervals: Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.toMs > i.fromMs).sort((a, b) => a.fromMs - b.fromMs);
  const merged: Interval[] = [];
  for (const i of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && i.fromMs <= last.toMs) last.toMs = Math.max(last.toMs, i.toMs);
    else merged.push({ fromMs: i.fromMs, toMs: i.toMs });
  }
  return merged;
}

/** `a` minus `b`, both merged and sorted; the result is merged and sorted. */
function subtractIntervals(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let j = 0;
  for (const interval of a) {
    let fromMs = interval.fromMs;
    while (j < b.length && b[j]!.toMs <= fromMs) j += 1;
    let k = j;
    while (k < b.length && b[k]!.fromMs < interval.toMs) {
      if (b[k]!.fromMs > fromMs) out.push({ fromMs, toMs: b[k]!.fromMs });
      fromMs = Math.max(fromMs, b[k]!.toMs);
      k += 1;
    }
    if (fromMs < interval.toMs) out.push({ fromMs, toMs: interval.toMs });
  }
  return out;
}

const minuteMs = 60_000;

/**
 * The active spans of the maintenance windows matching the asset within
 * [fromMs, toMs). A weekly window is read in local wall-clock time, so it is
 * evaluated once per UTC minute: time-zone offsets are whole minutes, so whether
 * a window is active cannot change inside one. That costs O(range minutes) per
 * weekly window (about 10,000 evaluations per week), independent of the row count.
 */
function maintenanceIntervals(
  assetId: string,
  windows: readonly MaintenanceWindow[],
  fromMs: number,
  toMs: number,
): Interval[] {
  const spans: Interval[] = [];
  for (const window of windows) {
    if (!matchesAssetPattern(window.asset, assetId)) continue;
    if (window.type === 'interval') {
      spans.push({ fromMs: Date.parse(window.start), toMs: Date.parse(window.end) });
      continue;
    }
    let openSinceMs: number | undefined;
    const lastMinuteMs = Math.ceil(toMs / minuteMs) * minuteMs;
    for (let m = Math.floor(fromMs / minuteMs) * minuteMs; m < lastMinuteMs; m += minuteMs) {
      const isActive = isWindowActive(window, m);
      if (isActive && openSinceMs === undefined) openSinceMs = m;
      else if (!isActive && openSinceMs !== undefined) {
        spans.push({ fromMs: openSinceMs, toMs: m });
        openSinceMs = undefined;
      }
    }
    if (openSinceMs !== undefined) spans.push({ fromMs: openSinceMs, toMs: lastMinuteMs });
  }
  return mergeIntervals(spans);
}

/** The column of each model channel in a frame's channel list, or -1 when the frame lacks it. */
function channelColumns(
  modelChannels: readonly string[],
  frameChannels: readonly string[],
  out: Int32Array,
): void {
  for (let c = 0; c < modelChannels.length; c++) out[c] = frameChannels.indexOf(modelChannels[c]!);
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A count of zero rows for every exclusion reason. */
export const emptyExcludedRows = (): Record<ExclusionReason, number> => ({
  missing: 0,
  unknown: 0,
  operator: 0,
  maintenance: 0,
  silence: 0,
  alert: 0,
});

/**
 * Builds the asset's training rows on the grid [fromMs snapped up, toMs) and
 * blanks out every row that is missing (no frame, state `gap`, or a model
 * channel absent or not finite), `unknown`, labelled `not_normal`, in
 * maintenance, silenced, or inside an alert period widened by the margins
 * (unless a `normal` label covers it). Frames not on the grid are a caller
 * error (a `periodMs` other than the store's) and throw.
 */
export function selectTrainingFrames(input: SelectTrainingFramesInput): SelectedFrames {
  checkInput(input);
  const { assetId, channels, periodMs, fromMs, toMs, exclusions } = input;
  const C = channels.length;
  const startMs = Math.ceil(fromMs / periodMs) * periodMs;
  const rows = toMs > startMs ? Math.ceil((toMs - startMs) / periodMs) : 0;
  const frames = new Float32Array(rows * C);
  // One code per row: a reason's index, or cleanCode. Rows without a frame stay missing.
  const codes = new Uint8Array(rows);

  // Frames: map columns by name, reusing the mapping while the channel list repeats.
  const columns = new Int32Array(C);
  let mappedNames: readonly string[] | undefined;
  for (const frame of input.frames) {
    if (frame.assetId !== assetId) continue;
    const offsetMs = frame.atMs - startMs;
    if (frame.atMs < startMs || frame.atMs >= toMs) continue;
    if (offsetMs % periodMs !== 0)
      throw invalid(
        `frame of asset "${assetId}" at atMs=${frame.atMs} is not on the ${periodMs} ms grid; pass the periodMs the frames were aligned with`,
        { assetId, atMs: frame.atMs, periodMs },
      );
    const row = offsetMs / periodMs;
    if (
      mappedNames === undefined ||
      (frame.channels !== mappedNames && !sameNames(frame.channels, mappedNames))
    ) {
      channelColumns(channels, frame.channels, columns);
      mappedNames = frame.channels;
    }
    if (frame.state === 'gap') {
      codes[row] = missingCode;
      continue;
    }
    let isComplete = true;
    const base = row * C;
    for (let c = 0; c < C; c++) {
      const column = columns[c]!;
      const value = column < 0 ? Number.NaN : frame.values[column]!;
      if (!Number.isFinite(value)) isComplete = false;
      frames[base + c] = value;
    }
    codes[row] = !isComplete ? missingCode : frame.state === 'unknown' ? unknownCode : cleanCode;
  }

  // Interval exclusions, in priority order: each only claims rows still clean.
  const rowAtOrAfter = (ms: number): number =>
    Math.min(rows, Math.max(0, Math.ceil((ms - startMs) / periodMs)));
  const claim = (intervals: readonly Interval[], code: number): void => {
    for (const interval of intervals) {
      const end = rowAtOrAfter(interval.toMs);
      for (let row = rowAtOrAfter(interval.fromMs); row < end; row++)
        if (codes[row] === cleanCode) codes[row] = code;
    }
  };
  const labelsOf = (kind: OperatorLabel['kind']): Interval[] =>
    mergeIntervals(
      exclusions.labels
        .filter((l) => l.kind === kind && matchesAssetPattern(l.assetPattern, assetId))
        .map((l) => ({ fromMs: l.fromMs, toMs: l.toMs })),
    );
  claim(labelsOf('not_normal'), operatorCode);
  claim(maintenanceIntervals(assetId, exclusions.maintenance, startMs, toMs), maintenanceCode);
  claim(
    mergeIntervals(
      exclusions.silences
        .filter((s) => matchesAssetPattern(s.assetPattern, assetId))
        .map((s) => ({ fromMs: s.fromMs, toMs: s.untilMs })),
    ),
    silenceCode,
  );
  const alerts = mergeIntervals(
    alertPeriods(
      exclusions.alerts.filter((e) => e.assetId === assetId),
      exclusions.nowMs,
    ).map((p) => ({
      fromMs: p.fromMs - exclusions.alertMarginBeforeMs,
      toMs: p.toMs + exclusions.alertMarginAfterMs,
    })),
  );
  claim(subtractIntervals(alerts, labelsOf('normal')), alertCode);

  // Count, blank out and collect runs of excluded rows.
  const excludedRows = emptyExcludedRows();
  const excludedPeriods: SelectedFrames['excludedPeriods'] = [];
  let cleanRows = 0;
  let runStart = 0;
  for (let row = 0; row < rows; row++) {
    const code = codes[row]!;
    if (code === cleanCode) {
      cleanRows += 1;
      continue;
    }
    const reason = reasons[code]!;
    excludedRows[reason] += 1;
    frames.fill(Number.NaN, row * C, (row + 1) * C);
    if (row === 0 || codes[row - 1] !== code) runStart = row;
    if (row + 1 === rows || codes[row + 1] !== code)
      excludedPeriods.push({
        reason,
        fromMs: startMs + runStart * periodMs,
        toMs: startMs + (row + 1) * periodMs,
      });
  }

  return { assetId, channels, periodMs, startMs, frames, rows, cleanRows, excludedRows, excludedPeriods };
}
