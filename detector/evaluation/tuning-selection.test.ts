// The selection rule's verdict: bounds on the normal set's false alarms, on all files' false
// alarms and on the recall of faults held to the end; the set-point family is reported only.
import { describe, expect, it } from 'vitest';
import { judgeRun } from './tuning-selection.js';

const row = (file: string, tp: number, fp: number, tn: number, fn: number) => ({ file, tp, fp, tn, fn });

/** A run over one normal file, one set-point file and one held-step file. */
function runOf(normalFp: number, setpointFp: number, heldTp: number) {
  const files = [
    row('normal/0.csv', 0, normalFp, 100 - normalFp, 0),
    row('setpoint/0.csv', 0, setpointFp, 100 - setpointFp, 0),
    row('held-step/0.csv', heldTp, 0, 100, 100 - heldTp),
  ];
  const fp = normalFp + setpointFp;
  return { f1: 0.8, far: (100 * fp) / 400, nab: { standard: 50 }, files };
}

describe('judgeRun', () => {
  it('accepts a run within every bound, whatever its set-point false alarms', () => {
    const verdict = judgeRun(runOf(5, 20, 95));
    expect(verdict.families.setpoint!.far).toBe(20);
    expect(verdict.eligible).toBe(true);
    expect(verdict.objective).toBeCloseTo(1.3, 10);
  });

  it('refuses a run that learns a held fault or alarms too often on the normal set', () => {
    const learned = judgeRun(runOf(5, 20, 60));
    expect(learned.heldRecall).toBeCloseTo(0.6, 10);
    expect(learned.eligible).toBe(false);
    expect(judgeRun(runOf(12, 0, 95)).eligible).toBe(false);
  });
});
