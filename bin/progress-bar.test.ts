import { describe, expect, it } from 'vitest';
import { createTrainingProgressBar } from './progress-bar.js';

const progress = (epoch: number) => ({
  epoch,
  epochs: 4,
  trainLoss: 0.5 / epoch,
  validationLoss: null,
  bestEpoch: epoch,
  windowsPerSecond: 1000,
});

function capture() {
  let err = '';
  return { io: { out: () => {}, err: (t: string) => (err += t), env: {} }, text: () => err };
}

describe('training progress bar', () => {
  it('redraws one line in place on a terminal and ends it once', () => {
    const { io, text } = capture();
    const bar = createTrainingProgressBar(io, true);
    bar.update(progress(1));
    bar.update(progress(4));
    bar.finish();
    expect(text().split('\n')).toHaveLength(2);
    expect(text()).toContain('\r  [########################] epoch 4/4 loss 0.1250');
  });

  it('writes one line per epoch when stderr is not a terminal', () => {
    const { io, text } = capture();
    const bar = createTrainingProgressBar(io, false);
    bar.update(progress(1));
    bar.update(progress(2));
    bar.finish();
    expect(text()).not.toContain('\r');
    expect(text().split('\n').filter(Boolean)).toEqual([
      '  [######..................] epoch 1/4 loss 0.5000 1000 windows/s',
      '  [############............] epoch 2/4 loss 0.2500 1000 windows/s',
    ]);
  });
});
