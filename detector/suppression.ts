// Suppression facts about an asset at a time: in a maintenance window, under a
// silence, or off by its machine-off rule. Pure functions of (config, time,
// frame); the alert lifecycle decides what a suppressed asset does.
import { matchesAssetPattern, PipelineError } from '../core/index.js';
import type { MachineOffRule, MaintenanceWindow, Silence, Weekday } from './config.js';

const weekdayIndex: Record<Weekday, number> = { mon: 0, tue: 1, wed: 2, thu: 3, fri: 4, sat: 5, sun: 6 };
const shortWeekdays = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

// Formatters are immutable and costly to build, so one per time zone is kept.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Local weekday (0 = Monday) and minute of the day at `atMs` in `timeZone`. */
export function localWeekTime(atMs: number, timeZone: string): { day: number; minute: number } {
  let day = 0;
  let hour = 0;
  let minute = 0;
  for (const part of formatterFor(timeZone).formatToParts(atMs)) {
    if (part.type === 'weekday') day = shortWeekdays.indexOf(part.value);
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return { day, minute: hour * 60 + minute };
}

function parseClock(text: string): number {
  return Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));
}

/**
 * Whether `window` covers `atMs`. Intervals are [start, end). A weekly window
 * covers [from, to) local time on each listed day; when `to` is earlier than
 * `from` it runs past midnight and ends at `to` on the following day. Local
 * wall-clock time is used, so a window keeps its hours across DST changes.
 */
export function isWindowActive(window: MaintenanceWindow, atMs: number): boolean {
  if (window.type === 'interval') return atMs >= Date.parse(window.start) && atMs < Date.parse(window.end);
  const { day, minute } = localWeekTime(atMs, window.timezone);
  const from = parseClock(window.from);
  const to = parseClock(window.to);
  const days = window.days.map((d) => weekdayIndex[d]);
  if (from < to) return days.includes(day) && minute >= from && minute < to;
  const previous = (day + 6) % 7;
  return (days.includes(day) && minute >= from) || (days.includes(previous) && minute < to);
}

/** The first maintenance window covering the asset at `atMs`, if any. */
export function findMaintenance(
  assetId: string,
  atMs: number,
  windows: readonly MaintenanceWindow[],
): MaintenanceWindow | undefined {
  return windows.find((w) => matchesAssetPattern(w.asset, assetId) && isWindowActive(w, atMs));
}

/** The first unexpired silence matching the asset at `atMs`, if any. */
export function findSilence(
  assetId: string,
  atMs: number,
  silences: readonly Silence[],
): Silence | undefined {
  return silences.find((s) => atMs < s.untilMs && matchesAssetPattern(s.assetPattern, assetId));
}

/** The silences still in force at `atMs`; expired ones are dropped. */
export function pruneSilences(silences: readonly Silence[], atMs: number): Silence[] {
  return silences.filter((s) => atMs < s.untilMs);
}

/** The newest frame's raw values, in the order of `channels`. */
export interface FrameValues {
  channels: readonly string[];
  /** Raw (not normalized) values; NaN where the channel has no value. */
  values: ArrayLike<number>;
}

export interface MachineOffVerdict {
  off: boolean;
  /** The rule that found the machine off, when `off`. */
  rule?: MachineOffRule;
  value?: number;
}

/** The machine-off rules that apply to one asset, each with its channel's column. */
export interface ResolvedMachineOffRule {
  rule: MachineOffRule;
  index: number;
}

/**
 * The rules matching the asset, with their channels resolved to columns once, so many rows (every
 * frame of a window, every row of a training segment) are checked without matching again. A rule
 * naming a channel the asset does not carry is a configuration error and throws.
 */
export function resolveMachineOffRules(
  assetId: string,
  channels: readonly string[],
  rules: readonly MachineOffRule[],
): ResolvedMachineOffRule[] {
  const resolved: ResolvedMachineOffRule[] = [];
  for (const rule of rules) {
    if (!matchesAssetPattern(rule.asset, assetId)) continue;
    const index = channels.indexOf(rule.channel);
    if (index < 0) {
      throw new PipelineError(
        'DETECTOR_INPUT_INVALID',
        `machineOff rule for "${rule.asset}" names channel "${rule.channel}", which asset "${assetId}" does not have; fix machineOff[].channel`,
        { details: { assetId, channel: rule.channel, channels } },
      );
    }
    resolved.push({ rule, index });
  }
  return resolved;
}

/**
 * The first resolved rule that finds the machine off in the row starting at `offset` of `values`:
 * its channel is below `below` or above `above`. A missing value (NaN) cannot show the machine
 * off, so that rule is skipped; the gap itself is for ingest to report.
 */
export function findMachineOff(
  resolved: readonly ResolvedMachineOffRule[],
  values: ArrayLike<number>,
  offset = 0,
): MachineOffVerdict {
  for (const { rule, index } of resolved) {
    const value = values[offset + index]!;
    if (Number.isNaN(value)) continue;
    const isOff =
      (rule.below !== undefined && value < rule.below) || (rule.above !== undefined && value > rule.above);
    if (isOff) return { off: true, rule, value };
  }
  return { off: false };
}

/** Evaluates the machine-off rules matching the asset on its newest frame (see findMachineOff). */
export function evaluateMachineOff(
  assetId: string,
  frame: FrameValues,
  rules: readonly MachineOffRule[],
): MachineOffVerdict {
  return findMachineOff(resolveMachineOffRules(assetId, frame.channels, rules), frame.values);
}
