import { describe, expect, it } from 'vitest';
import { labelFromAlert } from './alert-labels.js';
import type { AlertPeriod } from './alert-periods.js';

function period(resolvedAtMs: number | null): AlertPeriod {
  return {
    id: 'pump-7-5000',
    assetId: 'pump-7',
    severity: 'warning',
    openedAtMs: 5_000,
    resolvedAtMs,
    peakRatio: 1.8,
    topChannels: ['vib'],
    lastEventAtMs: 9_000,
    flapping: false,
  };
}

describe('labelFromAlert', () => {
  it('labels a resolved alert from its opening to its resolution, naming the alert in the reason', () => {
    expect(labelFromAlert(period(9_000), 'normal', 20_000)).toEqual({
      assetPattern: 'pump-7',
      fromMs: 5_000,
      toMs: 9_000,
      kind: 'normal',
      reason: 'new normal, marked from alert pump-7-5000',
      createdBy: 'live page',
    });
  });

  it('ends the label of an open alert at now, and never gives an empty period', () => {
    const open = labelFromAlert(period(null), 'not_normal', 12_000);
    expect([open.fromMs, open.toMs, open.kind]).toEqual([5_000, 12_000, 'not_normal']);
    expect(open.reason).toContain('pump-7-5000');
    const justOpened = labelFromAlert(period(null), 'normal', 5_000);
    expect(justOpened.toMs).toBeGreaterThan(justOpened.fromMs);
  });
});
