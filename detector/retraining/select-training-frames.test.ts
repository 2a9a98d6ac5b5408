// Training-data selection: grid, channel mapping, every exclusion reason and its
// priority, `normal` labels, a check against a row-by-row reference, and one week at 1 Hz.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPipelineError, matchesAssetPattern } from '../../core/index.js';
import { detectorConfigSchema, type MaintenanceWindow } from '../config.js';
import type { AlertEventRecord, FrameRecord } from '../sinks/records.js';
import { findMaintenance } from '../suppression.js';
import { alertPeriods } from './alert-periods.js';
import type { OperatorLabel } from './operator-label.js';
import {
  type ExclusionReason,
  type SelectTrainingFramesInput,
  selectTrainingFrames,
  type TrainingExclusions,
} from './select-training-frames.js';

const t0 = Date.parse('2026-03-02T00:00:00Z'); // a Monday
const periodMs = 1_000;
const channels = ['speed', 'flow', 'temp'];

const noExclusions: TrainingExclusions = {
  alerts: [],
  silences: [],
  maintenance: [],
  labels: [],
  alertMarginBeforeMs: 0,
  alertMarginAfterMs: 0,
  nowMs: t0 + 1e9,
};

function frame(atMs: number, overrides: Partial<FrameRecord> = {}): FrameRecord {
  // Alphabetical order, as InfluxDB returns columns; values encode the time so a test can check mapping.
  const k = (atMs - t0) / periodMs;
  return {
    assetId: 'pump-1',
    atMs,
    channels: ['flow', 'speed', 'temp'],
    values: [100 + k, 200 + k, 300 + k],
    state: 'ok',
    ...overrides,
  };
}

function frames(rows: number): FrameRecord[] {
  return Array.from({ length: rows }, (_, r) => frame(t0 + r * periodMs));
}

function select(
  overrides: Partial<Omit<SelectTrainingFramesInput, 'exclusions'>> & {
    exclusions?: Partial<TrainingExclusions>;
  } = {},
) {
  const { exclusions, ...rest } = overrides;
  return selectTrainingFrames({
    assetId: 'pump-1',
    channels,
    periodMs,
    fromMs: t0,
    toMs: t0 + 10 * periodMs,
    frames: frames(10),
    ...rest,
    exclusions: { ...noExclusions, ...exclusions },
  });
}

/** The reason per row, '' for clean, read back from the periods (and checked against the NaN cells). */
function rowReasons(selected: ReturnType<typeof select>): string[] {
  const out = new Array<string>(selected.rows).fill('');
  for (const p of selected.excludedPeriods) {
    for (let ms = p.fromMs; ms < p.toMs; ms += selected.periodMs)
      out[(ms - selected.startMs) / selected.periodMs] = p.reason;
  }
  const C = selected.channels.length;
  for (let r = 0; r < selected.rows; r++) {
    const isBlank = Number.isNaN(selected.frames[r * C]);
    expect(isBlank, `row ${r} blank vs reason "${out[r]}"`).toBe(out[r] !== '');
  }
  return out;
}

function alert(
  id: string,
  type: AlertEventRecord['type'],
  atMs: number,
  openedAtMs: number,
  assetId = 'pump-1',
) {
  return {
    id,
    assetId,
    type,
    severity: 'warning' as const,
    ratio: 1.5,
    peakRatio: 1.5,
    topChannels: [],
    atMs,
    openedAtMs,
    modelVersion: 'v1',
  };
}

function label(
  kind: OperatorLabel['kind'],
  fromRow: number,
  toRow: number,
  assetPattern = 'pump-*',
): OperatorLabel {
  return {
    id: `${kind}-${fromRow}`,
    assetPattern,
    fromMs: t0 + fromRow * periodMs,
    toMs: t0 + toRow * periodMs,
    kind,
    reason: 'test',
    createdBy: 'api',
    createdAtMs: t0,
  };
}

const ms = (row: number) => t0 + row * periodMs;

describe('selectTrainingFrames: grid and channels', () => {
  it('maps channels by name into the model order, row-major', () => {
    const selected = select();
    expect(selected.rows).toBe(10);
    expect(selected.cleanRows).toBe(10);
    expect(selected.startMs).toBe(t0);
    expect(Array.from(selected.frames.subarray(3 * 3, 4 * 3))).toEqual([203, 103, 303]);
    expect(selected.excludedPeriods).toEqual([]);
  });

  it('snaps fromMs up to the grid and treats toMs as exclusive', () => {
    const selected = select({ fromMs: t0 + 1, toMs: t0 + 5 * periodMs });
    expect(selected.startMs).toBe(t0 + periodMs);
    expect(selected.rows).toBe(4);
    expect(selected.frames[0]).toBe(201);
    expect(select({ fromMs: t0, toMs: t0 + 4 * periodMs + 1 }).rows).toBe(5);
    expect(select({ fromMs: t0 + 5, toMs: t0 + 5 }).rows).toBe(0);
  });

  it('ignores frames of other assets and outside the range; the later of two frames on a row wins', () => {
    const selected = select({
      toMs: ms(3),
      frames: [
        frame(ms(0), { assetId: 'pump-2' }),
        frame(ms(1)),
        frame(ms(1), { values: [1, 2, 3] }),
        frame(ms(2)),
        frame(ms(3)),
        frame(ms(-1)),
      ],
    });
    expect(rowReasons(selected)).toEqual(['missing', '', '']);
    expect(Array.from(selected.frames.subarray(3, 6))).toEqual([2, 1, 3]);
  });

  it.each<[string, Partial<FrameRecord>]>([
    ['a NaN value', { values: [Number.NaN, 1, 2] }],
    ['an infinite value', { values: [0, Number.POSITIVE_INFINITY, 2] }],
    ['a model channel the frame lacks', { channels: ['flow', 'speed'], values: [1, 2] }],
    ['state gap', { state: 'gap' }],
    ['state unknown with a NaN value', { state: 'unknown', values: [Number.NaN, 1, 2] }],
  ])('marks a row missing for %s', (_name, overrides) => {
    const input = frames(3);
    input[1] = frame(ms(1), overrides);
    const selected = select({ toMs: ms(3), frames: input });
    expect(rowReasons(selected)).toEqual(['', 'missing', '']);
    expect(selected.excludedRows.missing).toBe(1);
  });

  it('marks rows without any frame missing and unknown frames unknown; extra frame channels are ignored', () => {
    const input = [
      frame(ms(0), { channels: ['flow', 'speed', 'temp', 'vibration'], values: [1, 2, 3, Number.NaN] }),
      frame(ms(2), { state: 'unknown' }),
    ];
    const selected = select({ toMs: ms(4), frames: input });
    expect(rowReasons(selected)).toEqual(['', 'missing', 'unknown', 'missing']);
    expect(selected.excludedPeriods).toEqual([
      { reason: 'missing', fromMs: ms(1), toMs: ms(2) },
      { reason: 'unknown', fromMs: ms(2), toMs: ms(3) },
      { reason: 'missing', fromMs: ms(3), toMs: ms(4) },
    ]);
  });
});

describe('selectTrainingFrames: exclusions', () => {
  it('excludes not_normal labels matching the asset, not those of other assets', () => {
    const selected = select({
      exclusions: { labels: [label('not_normal', 2, 4), label('not_normal', 6, 8, 'fan-*')] },
    });
    expect(rowReasons(selected)).toEqual(['', '', 'operator', 'operator', '', '', '', '', '', '']);
  });

  it('excludes interval and weekly maintenance windows in local time', () => {
    const { maintenance } = detectorConfigSchema.parse({
      maintenance: [
        { type: 'interval', asset: 'pump-1', start: '2026-03-02T00:00:01Z', end: '2026-03-02T00:00:03Z' },
        // Monday 01:00–01:01 in Berlin is 00:00–00:01 UTC in March (UTC+1).
        {
          type: 'weekly',
          asset: 'pump-*',
          days: ['mon'],
          from: '01:01',
          to: '01:02',
          timezone: 'Europe/Berlin',
        },
        { type: 'interval', asset: 'fan-1', start: '2026-03-02T00:00:00Z', end: '2026-03-02T01:00:00Z' },
      ],
    });
    const selected = select({
      fromMs: ms(0),
      toMs: ms(180),
      frames: frames(180),
      exclusions: { maintenance },
    });
    const reasons = rowReasons(selected);
    expect(reasons.slice(0, 4)).toEqual(['', 'maintenance', 'maintenance', '']);
    expect(reasons.slice(58, 62)).toEqual(['', '', 'maintenance', 'maintenance']);
    expect(reasons.slice(118, 122)).toEqual(['maintenance', 'maintenance', '', '']);
    expect(selected.excludedRows.maintenance).toBe(2 + 60);
  });

  it('excludes silences from creation to end', () => {
    const selected = select({
      exclusions: { silences: [{ assetPattern: 'pump-1', fromMs: ms(5), untilMs: ms(7) + 1 }] },
    });
    expect(rowReasons(selected)).toEqual(['', '', '', '', '', 'silence', 'silence', 'silence', '', '']);
  });

  it('excludes alert periods of the asset widened by the margins, open ones up to nowMs', () => {
    const selected = select({
      toMs: ms(20),
      frames: frames(20),
      exclusions: {
        alerts: [
          alert('a', 'opened', ms(4), ms(4)),
          alert('a', 'resolved', ms(6), ms(4)),
          alert('b', 'escalated', ms(17), ms(16)),
          alert('c', 'opened', ms(10), ms(10), 'pump-2'),
        ],
        alertMarginBeforeMs: 2 * periodMs,
        alertMarginAfterMs: periodMs,
        nowMs: ms(18),
      },
    });
    const reasons = rowReasons(selected);
    expect(reasons.map((r, i) => (r === 'alert' ? i : -1)).filter((i) => i >= 0)).toEqual([
      2, 3, 4, 5, 6, 14, 15, 16, 17, 18,
    ]);
  });

  it('a normal label lifts the alert exclusion over its span only', () => {
    const selected = select({
      toMs: ms(20),
      frames: frames(20),
      exclusions: {
        alerts: [alert('a', 'opened', ms(2), ms(2)), alert('a', 'resolved', ms(12), ms(2))],
        labels: [label('normal', 5, 8), label('normal', 9, 10, 'fan-1')],
      },
    });
    const reasons = rowReasons(selected);
    expect(reasons.slice(0, 14)).toEqual([
      '',
      '',
      'alert',
      'alert',
      'alert',
      '',
      '',
      '',
      'alert',
      'alert',
      'alert',
      'alert',
      '',
      '',
    ]);
    expect(selected.excludedPeriods.filter((p) => p.reason === 'alert')).toEqual([
      { reason: 'alert', fromMs: ms(2), toMs: ms(5) },
      { reason: 'alert', fromMs: ms(8), toMs: ms(12) },
    ]);
  });

  it('a normal label does not lift gaps, unknown, not_normal, maintenance or silences', () => {
    const { maintenance } = detectorConfigSchema.parse({
      maintenance: [
        {
          type: 'interval',
          asset: 'pump-1',
          start: new Date(ms(4)).toISOString(),
          end: new Date(ms(5)).toISOString(),
        },
      ],
    });
    const input = frames(10);
    input[1] = frame(ms(1), { state: 'gap' });
    input[2] = frame(ms(2), { state: 'unknown' });
    const selected = select({
      frames: input,
      exclusions: {
        labels: [label('normal', 0, 10), label('not_normal', 3, 4)],
        maintenance,
        silences: [{ assetPattern: '*', fromMs: ms(5), untilMs: ms(6) }],
        alerts: [alert('a', 'opened', ms(0), ms(0))],
      },
    });
    expect(rowReasons(selected)).toEqual([
      '',
      'missing',
      'unknown',
      'operator',
      'maintenance',
      'silence',
      '',
      '',
      '',
      '',
    ]);
  });

  it('gives each row the first reason that applies: missing, unknown, operator, maintenance, silence, alert', () => {
    const { maintenance } = detectorConfigSchema.parse({
      maintenance: [
        {
          type: 'interval',
          asset: 'pump-1',
          start: new Date(ms(0)).toISOString(),
          end: new Date(ms(4)).toISOString(),
        },
      ],
    });
    const input = frames(6);
    input[0] = frame(ms(0), { state: 'gap' });
    input[1] = frame(ms(1), { state: 'unknown' });
    const selected = select({
      toMs: ms(6),
      frames: input,
      exclusions: {
        labels: [label('not_normal', 0, 3)],
        maintenance,
        silences: [{ assetPattern: 'pump-1', fromMs: ms(0), untilMs: ms(5) }],
        alerts: [alert('a', 'opened', ms(0), ms(0))],
      },
    });
    expect(rowReasons(selected)).toEqual([
      'missing',
      'unknown',
      'operator',
      'maintenance',
      'silence',
      'alert',
    ]);
    expect(selected.excludedRows).toEqual({
      missing: 1,
      unknown: 1,
      operator: 1,
      maintenance: 1,
      silence: 1,
      alert: 1,
    });
    expect(selected.cleanRows).toBe(0);
  });
});

describe('selectTrainingFrames: bad input', () => {
  it.each<[string, Partial<SelectTrainingFramesInput>, RegExp]>([
    ['a frame off the grid', { frames: [frame(t0 + 500)] }, /atMs=\d+ is not on the 1000 ms grid/],
    ['a zero period', { periodMs: 0 }, /periodMs must be a positive/],
    ['a fractional period', { periodMs: 2.5 }, /periodMs must be a positive/],
    ['toMs before fromMs', { toMs: t0 - 1 }, /toMs >= fromMs/],
    ['no channels', { channels: [] }, /channels of asset "pump-1" is empty/],
    ['a channel named twice', { channels: ['flow', 'flow'] }, /lists a name twice/],
  ])('throws a coded error for %s', (_name, overrides, message) => {
    let caught: unknown;
    try {
      select(overrides);
    } catch (err) {
      caught = err;
    }
    expect(isPipelineError(caught, 'DETECTOR_INPUT_INVALID')).toBe(true);
    expect((caught as Error).message).toMatch(message);
  });

  it('throws for a negative alert margin', () => {
    expect(() => select({ exclusions: { alertMarginBeforeMs: -1 } })).toThrow(/alertMarginBeforeMs/);
  });
});

// Row-by-row definition of the rules, with the live suppression helpers: slow, but obviously right.
function referenceReasons(input: SelectTrainingFramesInput): string[] {
  const { assetId, exclusions: ex } = input;
  const byTime = new Map<number, FrameRecord>();
  for (const f of input.frames) if (f.assetId === assetId) byTime.set(f.atMs, f);
  const periods = alertPeriods(
    ex.alerts.filter((a) => a.assetId === assetId),
    ex.nowMs,
  );
  const covers = (l: OperatorLabel, kind: string, at: number) =>
    l.kind === kind && matchesAssetPattern(l.assetPattern, assetId) && at >= l.fromMs && at < l.toMs;
  const out: string[] = [];
  const startMs = Math.ceil(input.fromMs / input.periodMs) * input.periodMs;
  for (let at = startMs; at < input.toMs; at += input.periodMs) {
    const f = byTime.get(at);
    const values = input.channels.map((c) => (f ? f.values[f.channels.indexOf(c)] : Number.NaN));
    let reason = '';
    if (!f || f.state === 'gap' || values.some((v) => v === undefined || !Number.isFinite(v)))
      reason = 'missing';
    else if (f.state === 'unknown') reason = 'unknown';
    else if (ex.labels.some((l) => covers(l, 'not_normal', at))) reason = 'operator';
    else if (findMaintenance(assetId, at, ex.maintenance)) reason = 'maintenance';
    else if (
      ex.silences.some(
        (s) => matchesAssetPattern(s.assetPattern, assetId) && at >= s.fromMs && at < s.untilMs,
      )
    )
      reason = 'silence';
    else if (
      periods.some((p) => at >= p.fromMs - ex.alertMarginBeforeMs && at < p.toMs + ex.alertMarginAfterMs) &&
      !ex.labels.some((l) => covers(l, 'normal', at))
    )
      reason = 'alert';
    out.push(reason);
  }
  return out;
}

describe('selectTrainingFrames against the row-by-row reference', () => {
  const step = 30_000;
  const rows = 600; // five hours at 30 s
  const span = fc.tuple(fc.integer({ min: -20, max: rows + 20 }), fc.integer({ min: 0, max: 120 }));
  const asset = fc.constantFrom('pump-1', 'pump-2', 'pump-*', '*-1');
  const clock = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }));
  const hhmm = ([h, m]: [number, number]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;

  it('assigns every row the same reason', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(span, fc.constantFrom<OperatorLabel['kind']>('normal', 'not_normal'), asset), {
          maxLength: 5,
        }),
        fc.array(fc.tuple(span, asset), { maxLength: 3 }),
        fc.array(fc.tuple(span, fc.boolean(), fc.constantFrom('pump-1', 'pump-2')), { maxLength: 5 }),
        fc.array(
          fc.tuple(
            clock,
            clock,
            fc.constantFrom('UTC', 'Asia/Kathmandu', 'America/St_Johns'),
            fc.constantFrom(['mon'], ['sun'], ['mon', 'tue']),
          ),
          { maxLength: 2 },
        ),
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: rows - 1 }), fc.constantFrom('gap', 'unknown', 'nan', 'drop')),
          {
            maxLength: 20,
          },
        ),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 5 }),
        (labelSpans, silenceSpans, alertSpans, weekly, damage, before, after) => {
          const at = (row: number) => t0 + row * step;
          const labels = labelSpans
            .filter(([[, len]]) => len > 0)
            .map(([[from, len], kind, pattern], i) => ({
              ...label(kind, 0, 1, pattern),
              id: `l${i}`,
              fromMs: at(from),
              toMs: at(from + len),
            }));
          const silences = silenceSpans.map(([[from, len], pattern]) => ({
            assetPattern: pattern,
            fromMs: at(from) + 7,
            untilMs: at(from + len) + 7,
          }));
          const alerts = alertSpans.flatMap(([[from, len], isResolved, assetId], i) => [
            alert(`a${i}`, 'escalated', at(from + 1), at(from), assetId),
            ...(isResolved ? [alert(`a${i}`, 'resolved', at(from + len), at(from), assetId)] : []),
          ]);
          const maintenance: MaintenanceWindow[] = detectorConfigSchema.parse({
            maintenance: weekly
              .filter(([from, to]) => hhmm(from) !== hhmm(to))
              .map(([from, to, timezone, days]) => ({
                type: 'weekly',
                asset: 'pump-?',
                days,
                from: hhmm(from),
                to: hhmm(to),
                timezone,
              })),
          }).maintenance;
          const input = Array.from({ length: rows }, (_, r) => frame(at(r)));
          for (const [row, kind] of damage) {
            if (kind === 'gap' || kind === 'unknown') input[row] = { ...input[row]!, state: kind };
            else if (kind === 'nan') input[row] = { ...input[row]!, values: [1, Number.NaN, 2] };
            else input[row] = { ...input[row]!, assetId: 'elsewhere' };
          }
          const selection: SelectTrainingFramesInput = {
            assetId: 'pump-1',
            channels,
            periodMs: step,
            fromMs: t0 - 5,
            toMs: at(rows) - 5,
            frames: input,
            exclusions: {
              alerts,
              silences,
              maintenance,
              labels,
              alertMarginBeforeMs: before * step,
              alertMarginAfterMs: after * step + 3,
              nowMs: at(rows - 50),
            },
          };
          const selected = selectTrainingFrames(selection);
          expect(rowReasons(selected)).toEqual(referenceReasons(selection));
        },
      ),
      { numRuns: 60, seed: 20260302 },
    );
  });
});

describe('selectTrainingFrames at one week of 1 Hz data', () => {
  it('selects 604,800 rows of 8 channels, and the counts add up', () => {
    const rows = 7 * 86_400;
    const modelChannels = ['c7', 'c6', 'c5', 'c4', 'c3', 'c2', 'c1', 'c0'];
    const frameChannels = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'];
    const hour = 3_600 * periodMs;
    function* week(): Generator<FrameRecord> {
      for (let r = 0; r < rows; r++) {
        const at = t0 + r * periodMs;
        // One gap row every 1000 rows.
        const state = r % 1_000 === 999 ? 'gap' : 'ok';
        yield {
          assetId: 'pump-1',
          atMs: at,
          channels: frameChannels,
          values: [r, 1, 2, 3, 4, 5, 6, r % 7],
          state,
        };
      }
    }
    const alerts = Array.from({ length: 50 }, (_, i) => [
      alert(`a${i}`, 'opened', t0 + (i * 3 + 1) * hour, t0 + (i * 3 + 1) * hour),
      alert(`a${i}`, 'resolved', t0 + (i * 3 + 1) * hour + 600_000, t0 + (i * 3 + 1) * hour),
    ]).flat();
    const { maintenance } = detectorConfigSchema.parse({
      maintenance: [{ type: 'weekly', asset: 'pump-*', days: ['sun'], from: '22:00', to: '23:00' }],
    });
    const selected = select({
      channels: modelChannels,
      fromMs: t0,
      toMs: t0 + rows * periodMs,
      frames: week(),
      exclusions: {
        alerts,
        maintenance,
        silences: [{ assetPattern: 'pump-1', fromMs: t0 + 100 * hour, untilMs: t0 + 101 * hour }],
        labels: [label('not_normal', 0, 1_800)],
        alertMarginBeforeMs: 300_000,
        alertMarginAfterMs: 300_000,
      },
    });
    expect(selected.rows).toBe(rows);
    const excluded = Object.values(selected.excludedRows).reduce((a, b) => a + b, 0);
    expect(selected.cleanRows + excluded).toBe(rows);
    const perReason: Record<string, number> = {};
    for (const p of selected.excludedPeriods)
      perReason[p.reason] = (perReason[p.reason] ?? 0) + (p.toMs - p.fromMs) / periodMs;
    for (const reason of Object.keys(selected.excludedRows) as ExclusionReason[])
      expect(perReason[reason] ?? 0, reason).toBe(selected.excludedRows[reason]);
    let blank = 0;
    for (let i = 0; i < selected.frames.length; i++) if (Number.isNaN(selected.frames[i])) blank += 1;
    expect(blank).toBe(excluded * 8);
    expect(selected.excludedRows.missing).toBe(Math.floor(rows / 1_000));
    // 1,800 labelled rows, minus the gap row at 999.
    expect(selected.excludedRows.operator).toBe(1_799);
    // The Sunday hour (no alert falls on it: the alerts stop after 150 h), minus its gap rows.
    expect(selected.excludedRows.maintenance).toBe(3_600 - 4);
    // Column 0 is c7 = r % 7 in model order; column 7 is c0 = r.
    const lastClean = (rows - 2) * 8;
    expect(selected.frames[lastClean]).toBe((rows - 2) % 7);
    expect(selected.frames[lastClean + 7]).toBe(rows - 2);
  });
});
