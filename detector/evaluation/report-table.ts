// The evaluation report for people: one row per file, then the micro-averaged
// totals and the NAB scores. `gruwatch eval --json` prints the report object instead.
import type { EvaluationRun } from './run-evaluation.js';

const pct = (v: number) => `${v.toFixed(2)}%`;

export function formatReportTable(run: EvaluationRun): string {
  const { report, skipped } = run;
  const header = ['file', 'TP', 'FP', 'TN', 'FN', 'F1', 'FAR', 'MAR'];
  const body = report.files.map((f) => [
    f.file,
    String(f.tp),
    String(f.fp),
    String(f.tn),
    String(f.fn),
    f.f1.toFixed(3),
    pct(f.far),
    pct(f.mar),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [line(header), ...body.map(line), ''];
  out.push(
    `micro-averaged over ${report.files.length} files: F1 ${report.f1.toFixed(3)}  FAR ${pct(report.far)}  MAR ${pct(report.mar)}`,
  );
  out.push(
    `NAB (SKAB variant, 60 s window): standard ${report.nab.standard.toFixed(2)}  lowFP ${report.nab.lowFP.toFixed(2)}  lowFN ${report.nab.lowFN.toFixed(2)}`,
  );
  const e = report.errors;
  out.push(
    `missed rows: ${e.missedAtOnset} before an anomaly was first flagged, ${e.missedInGaps} in gaps, ${e.missedAfterClear} after the last flag, ${e.missedInMissedAnomalies} in ${e.anomaliesMissed} of ${e.anomalies} anomalies never flagged`,
  );
  out.push(
    `false alarms: ${e.falseAfterAnomaly} in the normal rows after an anomaly, ${e.falseElsewhere} elsewhere`,
  );
  if (skipped.length > 0) out.push(`skipped (no label columns): ${skipped.join(', ')}`);
  return `${out.join('\n')}\n`;
}
