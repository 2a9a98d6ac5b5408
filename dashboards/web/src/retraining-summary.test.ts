import { describe, expect, it } from 'vitest';
import type { RetrainingView } from '../../api/api-types.js';
import { modelEventCells, retrainingFacts } from './retraining-summary.js';

const base: RetrainingView = {
  enabled: true,
  schedule: '0 3 * * *',
  nextRunAtMs: Date.UTC(2026, 0, 2, 3, 0, 0),
  running: false,
  lastRun: null,
  pendingApproval: null,
  shadow: null,
};

describe('retrainingFacts', () => {
  it('says when retraining is not reported or disabled', () => {
    expect(retrainingFacts(null)).toEqual([['Retraining', 'not reported by this service']]);
    expect(retrainingFacts({ ...base, enabled: false })).toEqual([['Retraining', 'disabled']]);
  });

  it('lists schedule, next run, whether a run is going on, and that none ran yet', () => {
    expect(retrainingFacts({ ...base, running: true })).toEqual([
      ['Schedule', '0 3 * * *'],
      ['Next run', '2026-01-02 03:00:00'],
      ['Running now', 'yes'],
      ['Last run', 'none yet'],
    ]);
  });

  it('describes the last outcome with its candidate, duration and reason', () => {
    const facts = retrainingFacts({
      ...base,
      schedule: null,
      nextRunAtMs: null,
      lastRun: {
        atMs: Date.UTC(2026, 0, 1, 3, 0, 0),
        outcome: 'refused',
        reason: 'false-alarm rate 0.09 above 0.05',
        durationMs: 95_000,
        candidateVersion: 'v3',
      },
    });
    expect(facts).toEqual([
      ['Schedule', 'on demand only'],
      ['Next run', '–'],
      ['Running now', 'no'],
      ['Last run', '2026-01-01 03:00:00: candidate refused, candidate v3 (took 1m 35s)'],
      ['Reason', 'false-alarm rate 0.09 above 0.05'],
    ]);
  });
});

describe('modelEventCells', () => {
  it('shows time, event, the version change and the reason', () => {
    expect(
      modelEventCells({
        atMs: Date.UTC(2026, 0, 1),
        model: 'pumps',
        event: 'rolled_back',
        version: 'v1',
        previousVersion: 'v2',
        reason: 'operator',
      }),
    ).toEqual(['2026-01-01 00:00:00', 'rolled back', 'v2 → v1', 'operator']);
    expect(modelEventCells({ atMs: 0, model: 'pumps', event: 'retrain_started' })).toEqual([
      '1970-01-01 00:00:00',
      'retrain started',
      '–',
      '',
    ]);
  });
});
