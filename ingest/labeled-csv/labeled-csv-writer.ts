// Writes labelled rows in the SKAB layout that `parseLabeledCsv` reads: `;`-separated,
// `datetime` as UTC in SKAB's form, then the channels, then `anomaly` and `changepoint`.
import type { LabeledSeries } from './labeled-csv.js';

/** `2020-03-09 10:14:33` (UTC), with milliseconds only when there are any. */
export function formatUtcDatetime(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2020-03-09T10:14:33.000Z
  const millis = iso.slice(20, 23);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${millis === '000' ? '' : `.${millis}`}`;
}

/** Labelled rows: the label columns are present. */
export type FullyLabeledSeries = LabeledSeries & { anomaly: Uint8Array; changepoint: Uint8Array };

/** The SKAB layout: `datetime;<channels>;anomaly;changepoint`. */
export function formatLabeledCsv(series: FullyLabeledSeries): string {
  const C = series.channels.length;
  const lines = [['datetime', ...series.channels, 'anomaly', 'changepoint'].join(';')];
  for (let i = 0; i < series.timestampsMs.length; i++) {
    const cells = [formatUtcDatetime(series.timestampsMs[i])];
    for (let c = 0; c < C; c++) cells.push(String(series.values[i * C + c]));
    cells.push(series.anomaly[i] ? '1.0' : '0.0', series.changepoint[i] ? '1.0' : '0.0');
    lines.push(cells.join(';'));
  }
  return `${lines.join('\n')}\n`;
}
