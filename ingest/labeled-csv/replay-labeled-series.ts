// Labelled rows replayed through the live ingest path: every row becomes one reading per channel
// (asset id = the file), aligned on the period grid and cut into windows, as the service would
// receive them. Frames and windows are copied, since the aligner and assembler reuse their buffers.

import type { FrameState, WindowState } from '../../core/index.js';
import { createAligner } from '../align/aligner.js';
import { createWindowAssembler } from '../align/window-assembler.js';
import type { LabeledSeries } from './labeled-csv.js';

export interface ReplayedFrame {
  endMs: number;
  state: FrameState;
  values: Float32Array; // (C)
}

export interface ReplayedWindow {
  endMs: number;
  state: WindowState;
  values: Float32Array; // (T, C)
}

export interface ReplayOptions {
  assetId: string;
  periodMs: number;
  windowSteps: number;
  hopSteps: number;
}

export function replayLabeledSeries(
  series: Pick<LabeledSeries, 'channels' | 'timestampsMs' | 'values'>,
  options: ReplayOptions,
): { frames: ReplayedFrame[]; windows: ReplayedWindow[] } {
  const { channels, timestampsMs, values } = series;
  const { assetId, periodMs, windowSteps: T } = options;
  const C = channels.length;
  const windows: ReplayedWindow[] = [];
  const frames: ReplayedFrame[] = [];
  const assembler = createWindowAssembler({ T, hop: options.hopSteps }, (w) => {
    windows.push({ endMs: w.endMs, state: w.state, values: w.values.slice() });
  });
  const aligner = createAligner(
    {
      periodMs,
      fill: 'last',
      // Rows a few periods apart are a slow logger, not an outage; longer silences become gaps.
      maxHoldMs: 5 * periodMs,
      // Each row carries all channels at one time, so a cell is final when the next row arrives.
      latenessMs: 0,
      idleFlushMs: periodMs,
      maxGapFrames: T,
      assets: [{ match: '*', channels }],
    },
    {
      onFrame(frame) {
        frames.push({ endMs: frame.endMs, state: frame.state, values: frame.values.slice() });
        assembler.push(frame);
      },
    },
  );
  for (let i = 0; i < timestampsMs.length; i++) {
    const timestampMs = timestampsMs[i];
    for (let c = 0; c < C; c++) {
      aligner.push({ assetId, channel: channels[c], timestampMs, value: values[i * C + c] }, timestampMs);
    }
  }
  aligner.drain();
  return { frames, windows };
}
