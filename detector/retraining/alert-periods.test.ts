// Alert periods from stored events in any order, including alerts opened before the queried range.
import { describe, expect, it } from 'vitest';
import type { AlertEventRecord } from '../sinks/records.js';
import { alertPeriods } from './alert-periods.js';

function event(
  id: string,
  type: AlertEventRecord['type'],
  atMs: number,
  openedAtMs: number,
  assetId = 'pump-1',
): AlertEventRecord {
  return {
    id,
    assetId,
    type,
    severity: 'warning',
    ratio: 1.2,
    peakRatio: 1.5,
    topChannels: [],
    atMs,
    openedAtMs,
    modelVersion: 'v1',
  };
}

describe('alertPeriods', () => {
  it('runs from openedAtMs to the resolve event, whatever the event order', () => {
    const events = [
      event('a', 'resolved', 500, 100),
      event('a', 'escalated', 300, 100),
      event('a', 'opened', 100, 100),
    ];
    expect(alertPeriods(events, 10_000)).toEqual([
      { alertId: 'a', assetId: 'pump-1', fromMs: 100, toMs: 500 },
    ]);
  });

  it('runs to nowMs while the alert is still open', () => {
    const events = [event('a', 'opened', 100, 100), event('a', 'escalated', 300, 100)];
    expect(alertPeriods(events, 9_999)).toEqual([
      { alertId: 'a', assetId: 'pump-1', fromMs: 100, toMs: 9_999 },
    ]);
  });

  it('starts at openedAtMs when the opening event lies before the queried range', () => {
    expect(alertPeriods([event('a', 'resolved', 800, 50)], 10_000)).toEqual([
      { alertId: 'a', assetId: 'pump-1', fromMs: 50, toMs: 800 },
    ]);
    expect(alertPeriods([event('b', 'escalated', 800, 60)], 10_000)).toEqual([
      { alertId: 'b', assetId: 'pump-1', fromMs: 60, toMs: 10_000 },
    ]);
  });

  it('keeps alerts apart by id and asset, sorted by start', () => {
    const events = [
      event('late', 'opened', 700, 700, 'pump-2'),
      event('early', 'opened', 200, 200),
      event('early', 'resolved', 400, 200),
      event('late', 'resolved', 900, 700, 'pump-2'),
    ];
    expect(alertPeriods(events, 10_000)).toEqual([
      { alertId: 'early', assetId: 'pump-1', fromMs: 200, toMs: 400 },
      { alertId: 'late', assetId: 'pump-2', fromMs: 700, toMs: 900 },
    ]);
  });

  it('returns nothing for no events', () => {
    expect(alertPeriods([], 10_000)).toEqual([]);
  });
});
