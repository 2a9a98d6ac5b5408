// A labelled CSV file read as the readings a live source would have delivered:
// one reading per finite cell, of one asset (by default the file's name).
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { SensorReading } from '../reading.js';
import { parseLabeledCsv } from './labeled-csv.js';

/** Reads a CSV file in the SKAB layout (label columns, if any, ignored) as readings of `assetId`. */
export function readCsvReadings(
  file: string,
  assetId: string = basename(file, extname(file)),
): { readings: SensorReading[]; channels: string[] } {
  const series = parseLabeledCsv(readFileSync(file, 'utf8'), file);
  const C = series.channels.length;
  const readings: SensorReading[] = [];
  for (let i = 0; i < series.timestampsMs.length; i++) {
    for (let c = 0; c < C; c++) {
      const value = series.values[i * C + c]!;
      if (Number.isFinite(value)) {
        readings.push({ assetId, channel: series.channels[c]!, timestampMs: series.timestampsMs[i]!, value });
      }
    }
  }
  return { readings, channels: series.channels };
}
