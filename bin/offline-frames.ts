// Aligned frames from recorded data, through the same aligner as live
// readings: CSV files (one asset each) or the frames the local store kept.
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { FrameSegment } from '../detector/retraining/index.js';
import type { LocalStore } from '../detector/sinks/index.js';
import { createAligner, type IngestConfig, parseLabeledCsv, type SensorReading } from '../ingest/index.js';

/** Aligns readings of one asset (time order not required within the lateness) into one segment. */
export function alignReadings(
  readings: readonly SensorReading[],
  channels: readonly string[],
  ingest: Pick<IngestConfig, 'align' | 'assets' | 'window'>,
): FrameSegment | undefined {
  const C = channels.length;
  const rows: number[] = [];
  let startMs: number | undefined;
  let previousMs: number | undefined;
  const aligner = createAligner(
    { ...ingest.align, maxGapFrames: ingest.window.T, assets: [{ match: '*', channels: [...channels] }] },
    {
      onFrame: (frame) => {
        startMs ??= frame.startMs;
        // Frames after a skipped stretch are still placed on the grid: fill the skipped rows with gaps.
        if (previousMs !== undefined) {
          for (let t = previousMs + ingest.align.periodMs; t < frame.startMs; t += ingest.align.periodMs) {
            for (let c = 0; c < C; c++) rows.push(Number.NaN);
          }
        }
        previousMs = frame.startMs;
        for (let c = 0; c < C; c++) rows.push(frame.values[c]!);
      },
    },
  );
  for (const reading of readings) aligner.push(reading, reading.timestampMs);
  if (startMs === undefined) return undefined;
  const assetId = readings[0]?.assetId;
  return { frames: Float32Array.from(rows), startMs, ...(assetId === undefined ? {} : { assetId }) };
}

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

/** The frames the local store kept for an asset, as one segment on the grid (NaN for missing rows). */
export function storedFrames(
  store: LocalStore,
  assetId: string,
  channels: readonly string[],
  range: { fromMs: number; toMs: number },
  periodMs: number,
): FrameSegment | undefined {
  const frames = store.queryFrames({ assetId, fromMs: range.fromMs, toMs: range.toMs });
  if (frames.length === 0) return undefined;
  const startMs = frames[0]!.atMs;
  const N = Math.floor((frames.at(-1)!.atMs - startMs) / periodMs) + 1;
  const C = channels.length;
  const out = new Float32Array(N * C).fill(Number.NaN);
  for (const frame of frames) {
    const row = Math.round((frame.atMs - startMs) / periodMs);
    channels.forEach((channel, c) => {
      const index = frame.channels.indexOf(channel);
      if (index >= 0 && frame.state === 'ok') out[row * C + c] = frame.values[index]!;
    });
  }
  return { frames: out, startMs, assetId };
}
