import { describe, expect, it } from 'vitest';
import type { AlertEventView } from '../../api/api-types.js';
import { groupAlertEvents } from './alert-periods.js';

const event = (
  id: string,
  type: string,
  atMs: number,
  extra: Partial<AlertEventView> = {},
): AlertEventView => ({
  id,
  assetId: id.split('@')[0],
  type,
  severity: 'warning',
  ratio: 1.2,
  peakRatio: 1.2,
  topChannels: ['vibration'],
  atMs,
  openedAtMs: 1000,
  ...extra,
});

describe('groupAlertEvents', () => {
  it('folds the events of one alert into a period with its highest severity, peak and end', () => {
    const [period] = groupAlertEvents([
      event('p1@1', 'resolved', 9000, { topChannels: [] }),
      event('p1@1', 'opened', 1000),
      event('p1@1', 'escalated', 4000, {
        severity: 'critical',
        peakRatio: 2.6,
        topChannels: ['flow', 'vibration'],
      }),
    ]);
    expect(period).toMatchObject({
      id: 'p1@1',
      severity: 'critical',
      peakRatio: 2.6,
      openedAtMs: 1000,
      resolvedAtMs: 9000,
      topChannels: ['flow', 'vibration'],
    });
  });

  it('keeps an alert without a resolved event open, newest alerts first', () => {
    const periods = groupAlertEvents([
      event('a@1', 'opened', 1000),
      event('b@2', 'opened', 5000, { openedAtMs: 5000, topChannels: [{ channel: 'temp', share: 0.8 }] }),
    ]);
    expect(periods.map((p) => p.id)).toEqual(['b@2', 'a@1']);
    expect(periods.every((p) => p.resolvedAtMs === null)).toBe(true);
    expect(periods[0].topChannels).toEqual(['temp']);
  });
});
