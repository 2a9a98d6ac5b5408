// Reads one CSV file in the SKAB layout: `;`-separated, first column
// `datetime` (`YYYY-MM-DD hh:mm:ss`, read as UTC, or ISO 8601 with an offset),
// then the channels, then optionally the label columns `anomaly` and
// `changepoint` (0/1, written as floats). Rows are kept in file order.
import { PipelineError } from '../../core/index.js';

export interface LabeledSeries {
  channels: string[];
  /** (N) row times, ms since the epoch. */
  timestampsMs: Float64Array;
  /** (N, C) row-major channel values. */
  values: Float64Array;
  /** (N) 0/1 labels, or null when the file has no label columns. */
  anomaly: Uint8Array | null;
  changepoint: Uint8Array | null;
}

const LABEL_COLUMNS = ['anomaly', 'changepoint'] as const;

function invalid(file: string, message: string, details: Record<string, unknown>): PipelineError {
  return new PipelineError('CLI_USAGE', `${file}: ${message}`, { details: { file, ...details } });
}

/** `2020-03-09 10:14:33` is UTC; strings with `T` and an offset or `Z` are read as given. */
export function parseDatetimeMs(text: string): number {
  const trimmed = text.trim();
  const plain = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(trimmed);
  return Date.parse(plain ? `${trimmed.replace(' ', 'T')}Z` : trimmed);
}

function parseLabel(file: string, text: string, line: number, column: string): number {
  const v = Number(text);
  if (v !== 0 && v !== 1) {
    throw invalid(file, `line ${line}: column "${column}" must be 0 or 1, got "${text}"`, { line, column });
  }
  return v;
}

export function parseLabeledCsv(text: string, file: string): LabeledSeries {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2)
    throw invalid(file, 'needs a header line and at least one data row', { lines: lines.length });
  const header = lines[0].split(';').map((h) => h.trim());
  if (header[0] !== 'datetime') {
    throw invalid(file, `the first column must be "datetime", got "${header[0]}"; is the separator ";"?`, {
      column: header[0],
    });
  }
  const hasLabels =
    header.length >= 4 && header.at(-2) === LABEL_COLUMNS[0] && header.at(-1) === LABEL_COLUMNS[1];
  const channels = header.slice(1, hasLabels ? -2 : undefined);
  if (channels.length === 0)
    throw invalid(file, 'has no channel columns between "datetime" and the labels', {});
  const C = channels.length;
  const N = lines.length - 1;
  const timestampsMs = new Float64Array(N);
  const values = new Float64Array(N * C);
  const anomaly = hasLabels ? new Uint8Array(N) : null;
  const changepoint = hasLabels ? new Uint8Array(N) : null;
  for (let i = 0; i < N; i++) {
    const line = i + 2;
    const cells = lines[i + 1].split(';');
    if (cells.length !== header.length) {
      throw invalid(file, `line ${line} has ${cells.length} fields, the header has ${header.length}`, {
        line,
      });
    }
    const t = parseDatetimeMs(cells[0]);
    if (!Number.isFinite(t))
      throw invalid(file, `line ${line}: "datetime" is not a date: "${cells[0]}"`, { line });
    if (i > 0 && t < timestampsMs[i - 1]) {
      throw invalid(
        file,
        `line ${line}: "datetime" ${cells[0]} is earlier than the row before; sort the file by time`,
        {
          line,
        },
      );
    }
    timestampsMs[i] = t;
    for (let c = 0; c < C; c++) {
      const v = Number(cells[c + 1]);
      if (cells[c + 1].trim() === '' || !Number.isFinite(v)) {
        throw invalid(file, `line ${line}: column "${channels[c]}" is not a number: "${cells[c + 1]}"`, {
          line,
          column: channels[c],
        });
      }
      values[i * C + c] = v;
    }
    if (anomaly !== null && changepoint !== null) {
      anomaly[i] = parseLabel(file, cells[C + 1], line, 'anomaly');
      changepoint[i] = parseLabel(file, cells[C + 2], line, 'changepoint');
    }
  }
  return { channels, timestampsMs, values, anomaly, changepoint };
}

/** Median spacing of consecutive distinct timestamps: the sampling period when none is given. */
export function medianPeriodMs(timestampsMs: Float64Array): number {
  const diffs: number[] = [];
  for (let i = 1; i < timestampsMs.length; i++) {
    const d = timestampsMs[i] - timestampsMs[i - 1];
    if (d > 0) diffs.push(d);
  }
  if (diffs.length === 0) return Number.NaN;
  diffs.sort((a, b) => a - b);
  return diffs[Math.floor((diffs.length - 1) / 2)];
}
