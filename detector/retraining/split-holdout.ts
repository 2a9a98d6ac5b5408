// The newest share of an asset's clean rows is held out from training and
// calibration so the candidate and the current model are compared on data
// neither was fitted on. One cut in time: no row is in both parts, and the
// holdout is the newest data, the closest to what the model will see next.
import { PipelineError } from '../../core/index.js';
import type { SelectedFrames } from './select-training-frames.js';

export interface FramePart {
  /** Time of the part's first row. */
  startMs: number;
  /** A view into the selected frames (no copy); excluded rows stay NaN. */
  frames: Float32Array; // (rows, C)
}

export interface HoldoutSplit {
  training: FramePart;
  holdout: FramePart;
}

/**
 * Cuts the selected rows where the newest `round(fraction · cleanRows)` clean
 * rows begin; the holdout starts exactly at that row.
 *
 * Edge cases:
 * - the fraction gives 0 clean rows (or there are none): the holdout is empty
 *   and starts at the end of the range; training keeps every row;
 * - the fraction gives fewer clean rows than `windowSteps`: the holdout is
 *   widened to `windowSteps` clean rows (all of them when there are fewer), so
 *   a non-empty holdout can hold at least one complete window when its clean
 *   rows are consecutive;
 * - the fraction gives every clean row: training keeps only the excluded rows
 *   before the first clean row, so it has no clean row at all.
 */
export function splitNewest(selected: SelectedFrames, fraction: number, windowSteps: number): HoldoutSplit {
  if (!(fraction >= 0 && fraction <= 1))
    throw new PipelineError('DETECTOR_INPUT_INVALID', `fraction must be between 0 and 1, got ${fraction}`, {
      details: { fraction },
    });
  if (!Number.isInteger(windowSteps) || windowSteps < 1)
    throw new PipelineError(
      'DETECTOR_INPUT_INVALID',
      `windowSteps must be a positive integer, got ${windowSteps}`,
      {
        details: { windowSteps },
      },
    );
  const { frames, rows, cleanRows, startMs, periodMs } = selected;
  const C = selected.channels.length;
  let holdoutClean = Math.round(fraction * cleanRows);
  if (holdoutClean > 0 && holdoutClean < windowSteps) holdoutClean = Math.min(windowSteps, cleanRows);

  // Walk back from the newest row until the wanted number of clean rows is seen;
  // a row is clean exactly when its cells are not NaN, and all cells agree.
  let cut = rows;
  let seen = 0;
  while (seen < holdoutClean && cut > 0) {
    cut -= 1;
    if (!Number.isNaN(frames[cut * C])) seen += 1;
  }

  return {
    training: { startMs, frames: frames.subarray(0, cut * C) },
    holdout: { startMs: startMs + cut * periodMs, frames: frames.subarray(cut * C, rows * C) },
  };
}
