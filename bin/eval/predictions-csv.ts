// The per-file predictions CSV (`datetime;score;threshold;predicted`), so the
// metrics can be recomputed independently. Times are written as UTC in the
// SKAB form; a row without a scored window has empty score and threshold.
import type { ScoredRows } from './evaluate-file.js';

export function formatUtcDatetime(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2020-03-09T10:14:33.000Z
  const millis = iso.slice(20, 23);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${millis === '000' ? '' : `.${millis}`}`;
}

const cell = (v: number) => (Number.isFinite(v) ? String(v) : '');

export function formatPredictionsCsv(rows: ScoredRows): string {
  const lines = ['datetime;score;threshold;predicted'];
  for (let i = 0; i < rows.timestampsMs.length; i++) {
    lines.push(
      `${formatUtcDatetime(rows.timestampsMs[i])};${cell(rows.score[i])};${cell(rows.threshold[i])};${rows.predicted[i]}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
