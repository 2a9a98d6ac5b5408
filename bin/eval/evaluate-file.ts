// One labelled file, end to end, through the live service's own parts: rows →
// readings → aligner → window assembler → autoencoder residuals → asset
// monitor (scoring, threshold, alert lifecycle). Trains on the first rows,
// calibrates on the tail of those rows, and predicts every later row.

import { PipelineError } from '../../core/index.js';
import type { Calibration } from '../../detector/index.js';
import { calibrateThreshold, createAssetMonitor, createResidualScorer } from '../../detector/index.js';
import { createAligner, createWindowAssembler } from '../../ingest/index.js';
import type { TrainOptions, TrainProgress, TrainResult, TrainSummary } from '../../model/index.js';
import { createScorer, fitNormalizer, normalizeInto } from '../../model/index.js';
import type { EvalSettings } from './eval-preset.js';
import { type LabeledSeries, medianPeriodMs } from './labeled-csv.js';
import { withScaleFloor } from './scale-floor.js';

export type TrainFn = (
  windows: Float32Array,
  options: Omit<TrainOptions, 'nowMs'>,
  onProgress?: (progress: TrainProgress) => void,
) => Promise<TrainResult>;

export interface FileEvaluationOptions {
  /** Names the file in messages; also the asset id. */
  file: string;
  series: LabeledSeries;
  settings: EvalSettings;
  trainRows: number;
  /** Grid period; the median spacing of the timestamps when absent. */
  periodMs?: number;
  seed: number;
  train: TrainFn;
  onTrainProgress?: (progress: TrainProgress) => void;
}

/** Per scored row (the rows after the training rows), in file order. */
export interface ScoredRows {
  timestampsMs: Float64Array;
  /** Score of the window ending at the row; NaN when none was scored there. */
  score: Float64Array;
  threshold: Float64Array;
  /** 1 while an alert is open on the asset at the row's time. */
  predicted: Uint8Array;
}

export interface FileEvaluation {
  file: string;
  periodMs: number;
  rows: ScoredRows;
  calibration: Calibration;
  training: TrainSummary;
}

interface CapturedWindow {
  endMs: number;
  state: 'ok' | 'gap' | 'unknown';
  values: Float32Array; // (T, C)
}

function fail(file: string, message: string, details: Record<string, unknown> = {}): never {
  throw new PipelineError('CLI_USAGE', `${file}: ${message}`, { details: { file, ...details } });
}

export async function evaluateFile(options: FileEvaluationOptions): Promise<FileEvaluation> {
  const { file, series, settings, trainRows, seed } = options;
  const { model: modelConfig, detector } = settings;
  const { channels, timestampsMs, values } = series;
  const C = channels.length;
  const N = timestampsMs.length;
  const T = modelConfig.windowSteps;
  if (N <= trainRows)
    fail(file, `has ${N} rows; more than --train-rows ${trainRows} are needed to score any`, { rows: N });
  const periodMs = options.periodMs ?? medianPeriodMs(timestampsMs);
  if (!(periodMs > 0)) fail(file, 'cannot infer a sampling period from its timestamps; pass --period-ms', {});
  const cellEnd = (tsMs: number) => Math.floor(tsMs / periodMs) * periodMs + periodMs;

  // Align and window every row, as the live ingest path would receive them.
  const windows: CapturedWindow[] = [];
  const frames: { endMs: number; values: Float32Array }[] = [];
  const assembler = createWindowAssembler({ T, hop: modelConfig.hopSteps }, (w) => {
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
        if (frame.state === 'ok') frames.push({ endMs: frame.endMs, values: frame.values.slice() });
        assembler.push(frame);
      },
    },
  );
  for (let i = 0; i < N; i++) {
    const timestampMs = timestampsMs[i];
    for (let c = 0; c < C; c++) {
      aligner.push(
        { assetId: file, channel: channels[c], timestampMs, value: values[i * C + c] },
        timestampMs,
      );
    }
  }
  aligner.tick(timestampsMs[N - 1] + periodMs);

  // Time split of the training rows: fit on the head, calibrate on the tail (never shuffled).
  const trainEndMs = cellEnd(timestampsMs[trainRows - 1]);
  const fitRows = Math.max(1, Math.floor(trainRows * (1 - settings.holdoutFraction)));
  const fitEndMs = cellEnd(timestampsMs[fitRows - 1]);
  const fitWindows = windows.filter((w) => w.state === 'ok' && w.endMs <= fitEndMs);
  const heldOut = windows.filter((w) => w.state === 'ok' && w.endMs > fitEndMs && w.endMs <= trainEndMs);
  if (fitWindows.length < 2 || heldOut.length < 1) {
    fail(
      file,
      `its first ${trainRows} rows give ${fitWindows.length} fit and ${heldOut.length} held-out windows of ${T} steps; raise --train-rows or lower model.windowSteps`,
      { fitWindows: fitWindows.length, heldOutWindows: heldOut.length },
    );
  }
  const fitFrames = frames.filter((f) => f.endMs <= fitEndMs);
  const flatFrames = new Float64Array(fitFrames.length * C);
  for (let i = 0; i < fitFrames.length; i++) flatFrames.set(fitFrames[i].values, i * C);
  const normalizer = withScaleFloor(fitNormalizer(flatFrames, C), flatFrames, C, settings.relativeScaleFloor);

  const trainBuffer = new Float32Array(fitWindows.length * T * C);
  for (let i = 0; i < fitWindows.length; i++) trainBuffer.set(fitWindows[i].values, i * T * C);
  normalizeInto(trainBuffer, trainBuffer, normalizer);
  const { training } = modelConfig;
  const trained = await options.train(
    trainBuffer,
    {
      dims: { C, T, H: modelConfig.hiddenSize },
      feeding: modelConfig.decoderFeeding,
      epochs: training.epochs,
      batchSize: training.batchSize,
      learningRate: training.learningRate,
      clipNorm: training.clipNorm,
      validationFraction: training.validationFraction,
      patience: training.patience,
      seed,
      truncatedBpttSteps: training.truncatedBpttSteps,
    },
    options.onTrainProgress,
  );
  const scorer = createScorer(trained.model, { normalizer });

  // Calibrate on the held-out tail with the detector's own scoring (aggregate and EWMA).
  const calibrationScorer = createResidualScorer({
    scoring: detector.scoring,
    topChannels: detector.topChannels,
  });
  const heldOutScores = heldOut.map(
    (w) =>
      calibrationScorer.score({ assetId: file, residuals: scorer.score(w.values).residuals, T, C, channels })
        .score,
  );
  const calibration = calibrateThreshold(heldOutScores, detector.threshold);

  // Stream the scored part. The EWMA carries on from the held-out tail, the immediate past.
  const monitor = createAssetMonitor({
    config: detector,
    calibrationFor: () => calibration,
    restore: { version: 1, alerts: {}, ewma: calibrationScorer.ewmaSnapshot(), thresholdHistory: {} },
  });
  const outcomes: { endMs: number; score: number; threshold: number; isOpen: boolean }[] = [];
  let isOpen = false;
  for (const w of windows) {
    if (w.endMs <= trainEndMs) continue;
    const monitored = {
      assetId: file,
      atMs: w.endMs - periodMs,
      state: w.state,
      channels,
      T,
      values: w.values,
    };
    const verdict = monitor.verdict(monitored);
    const residuals = verdict.shouldScore ? scorer.score(w.values).residuals : null;
    const result = monitor.observe(monitored, residuals);
    for (const event of result.events) {
      if (event.type === 'opened') isOpen = true;
      else if (event.type === 'resolved') isOpen = false;
    }
    outcomes.push({
      endMs: w.endMs,
      score: result.scored?.score ?? Number.NaN,
      threshold: result.scored?.threshold ?? Number.NaN,
      isOpen,
    });
  }

  // A row's status is the one after the window ending with the row's frame; where no window
  // ended there (gap, warm-up after a gap), the alert state carries on unchanged.
  const M = N - trainRows;
  const rows: ScoredRows = {
    timestampsMs: timestampsMs.slice(trainRows),
    score: new Float64Array(M).fill(Number.NaN),
    threshold: new Float64Array(M).fill(Number.NaN),
    predicted: new Uint8Array(M),
  };
  let k = 0;
  let wasOpen = false;
  for (let i = 0; i < M; i++) {
    const end = cellEnd(rows.timestampsMs[i]);
    while (k < outcomes.length && outcomes[k].endMs <= end) {
      wasOpen = outcomes[k].isOpen;
      k++;
    }
    if (k > 0 && outcomes[k - 1].endMs === end) {
      rows.score[i] = outcomes[k - 1].score;
      rows.threshold[i] = outcomes[k - 1].threshold;
    }
    rows.predicted[i] = wasOpen ? 1 : 0;
  }
  return { file, periodMs, rows, calibration, training: trained.summary };
}
