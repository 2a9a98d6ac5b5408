// The report over labelled files: per-file counts and NAB outcome against the labels, then the
// counts summed over files before the metrics (micro average), in the files' order.
import { describe, expect, it } from 'vitest';
import { evaluationReport, fileOutcome } from './evaluation-report.js';

const t0 = Date.UTC(2024, 0, 1);

/** `n` rows at 1 s with anomaly rows [from, to), a change point at `from`, predicted rows [p0, p1). */
function file(n: number, from: number, to: number, p0: number, p1: number) {
  const anomaly = new Uint8Array(n).fill(1, from, to);
  const changepoint = new Uint8Array(n);
  changepoint[from] = 1;
  const rows = {
    timestampsMs: Float64Array.from({ length: n }, (_, i) => t0 + i * 1000),
    predicted: new Uint8Array(n).fill(1, p0, p1),
  };
  return { labels: { anomaly, changepoint }, rows };
}

describe('evaluation report', () => {
  it('counts a file against its labels and credits a detection at the change point fully', () => {
    const { labels, rows } = file(200, 50, 100, 50, 100);
    const outcome = fileOutcome('valve1/0.csv', labels, rows);
    expect(outcome.report).toMatchObject({ file: 'valve1/0.csv', tp: 50, fp: 0, tn: 150, fn: 0, f1: 1 });
    expect(evaluationReport([outcome]).nab.standard).toBeCloseTo(100, 6);
  });

  it('sums the counts over files before F1 (micro average), keeping the files in order', () => {
    const perfect = file(200, 50, 100, 50, 100);
    const missed = file(200, 50, 60, 0, 0);
    const report = evaluationReport([
      fileOutcome('a.csv', perfect.labels, perfect.rows),
      fileOutcome('b.csv', missed.labels, missed.rows),
    ]);
    expect(report.files.map((f) => f.file)).toEqual(['a.csv', 'b.csv']);
    // 50 TP, 10 FN: 50 / (50 + 10/2), where the mean of the files' F1 would be 0.5.
    expect(report.f1).toBeCloseTo(50 / 55, 12);
    expect(report.mar).toBeCloseTo((100 * 10) / 60, 12);
    expect(report.nab.standard).toBeLessThan(100);
  });
});
