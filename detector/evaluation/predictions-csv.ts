// The per-file predictions CSV (`datetime;score;threshold;predicted`), so the
// metrics can be recomputed independently. Times are written as UTC in the
// SKAB form; a row without a scored window has empty score and threshold.
import type { ScoredRows } from './evaluate-file.js';

const cell = (v: number) => (Number.isFinite(v) ? String(v) : '');

/** `formatUtcDatetime` writes a time as SKAB does (the ingest room's writer, passed in). */
export function formatPredictionsCsv(rows: ScoredRows, formatUtcDatetime: (ms: number) => string): string {
  const lines = ['datetime;score;threshold;predicted'];
  for (let i = 0; i < rows.timestampsMs.length; i++) {
    lines.push(
      `${formatUtcDatetime(rows.timestampsMs[i])};${cell(rows.score[i])};${cell(rows.threshold[i])};${rows.predicted[i]}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
