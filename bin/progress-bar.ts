// The training progress bar of `gruwatch train` and `gruwatch demo`: redrawn in
// place on a terminal, one line per epoch when stderr is a file or a pipe (so
// logs stay readable). `finish()` ends the line the bar was drawn on.
import type { TrainProgress } from '../model/index.js';
import type { CliIo } from './cli-io.js';

export interface ProgressBar {
  update(progress: TrainProgress): void;
  finish(): void;
}

export function createTrainingProgressBar(
  io: CliIo,
  isTerminal = process.stderr.isTTY === true,
): ProgressBar {
  const width = 24;
  let isDrawn = false;
  return {
    update(p) {
      const done = Math.round((p.epoch / p.epochs) * width);
      const validation = p.validationLoss === null ? '' : ` val ${p.validationLoss.toFixed(4)}`;
      const text = `[${'#'.repeat(done)}${'.'.repeat(width - done)}] epoch ${p.epoch}/${p.epochs} loss ${p.trainLoss.toFixed(4)}${validation} ${Math.round(p.windowsPerSecond)} windows/s`;
      io.err(isTerminal ? `\r  ${text}` : `  ${text}\n`);
      isDrawn = isTerminal;
    },
    finish() {
      if (isDrawn) io.err('\n');
      isDrawn = false;
    },
  };
}
