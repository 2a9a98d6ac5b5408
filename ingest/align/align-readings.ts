// Recorded readings of one asset through the live aligner, collected into one
// segment on the period grid: what `gruwatch train --csv`, the demo and the
// service-level tests fit models on, aligned exactly as the service aligns.
import type { FrameSegment } from '../../core/index.js';
import type { IngestConfig } from '../config.js';
import type { SensorReading } from '../reading.js';
import { createAligner } from './aligner.js';

/** Aligns readings of one asset (time order not required within the lateness) into one segment. */
export function alignReadings(
  readings: readonly SensorReading[],
  channels: readonly string[],
  ingest: Pick<IngestConfig, 'align' | 'window'>,
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
