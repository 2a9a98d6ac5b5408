// One labelled file, end to end, through the live service's own parts: rows →
// readings → aligner → window assembler (the replay the caller passes in) →
// `fitModel` on the first rows (the fitting path of `gruwatch train`) → the
// artifact read back → the model kind's residuals → asset monitor (scoring,
// threshold, alert lifecycle) on every later row. The model is reached only
// through the injected kind and artifact reader.

import {
  type FrameSegment,
  isPipelineError,
  type ModelArtifactBytes,
  type ModelKind,
  PipelineError,
  type StoredModel,
  type TrainingProgress,
  type TrainingSummary,
} from '../../core/index.js';
import { createAssetMonitor } from '../asset-monitor.js';
import type { DetectorConfig } from '../config.js';
import { createResidualScorer } from '../residual-scorer.js';
import { fitModel } from '../retraining/fit-model.js';
import { type Calibration, calibrationSchema } from '../threshold/calibrate-threshold.js';

/** A file's rows after the live ingest path: its aligned frames (C) and windows (T, C), in time order. */
export interface ReplayedRows {
  frames: readonly AlignedFrame[];
  windows: readonly CapturedWindow[];
}

/** How a file's model is fitted and read back: the model kind, reached only through its contract. */
export interface FileFitting {
  kind: ModelKind;
  window: { lengthSteps: number; hopSteps: number };
  gruwatchVersion: string;
  /** Reads artifact bytes back as the service loads a stored model. */
  decodeArtifact(bytes: ModelArtifactBytes, channels: readonly string[]): StoredModel;
}

export interface FileEvaluationOptions {
  /** Names the file in messages; also the asset id. */
  file: string;
  series: { channels: readonly string[]; timestampsMs: Float64Array };
  /** The rows replayed through the ingest path on the grid of `periodMs`. */
  replay: (periodMs: number) => ReplayedRows;
  detector: DetectorConfig;
  /** Share of the training rows' complete windows, the newest, held out to calibrate the threshold. */
  holdoutFraction: number;
  fitting: FileFitting;
  trainRows: number;
  /** Grid period: the option given, or the median spacing of the timestamps (NaN when there is none). */
  periodMs: number;
  /** Train in a worker thread (the CLI; needs the compiled build); false trains on this thread. */
  isInWorker: boolean;
  onTrainProgress?: (progress: TrainingProgress) => void;
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
  training: TrainingSummary;
}

export interface AlignedFrame {
  endMs: number;
  state: 'ok' | 'gap' | 'unknown';
  values: Float32Array; // (C)
}

export interface CapturedWindow {
  endMs: number;
  state: 'ok' | 'gap' | 'unknown';
  values: Float32Array; // (T, C)
}

/**
 * The aligned frames ending by `trainEndMs` as one segment on the period grid: rows of frames that
 * were not complete ('gap', 'unknown') and rows the aligner skipped are NaN, so no window spans them.
 */
function trainingSegment(
  frames: readonly AlignedFrame[],
  trainEndMs: number,
  periodMs: number,
  C: number,
): FrameSegment | undefined {
  const kept = frames.filter((f) => f.endMs <= trainEndMs);
  if (kept.length === 0) return undefined;
  const firstEndMs = kept[0]!.endMs;
  const N = Math.round((kept.at(-1)!.endMs - firstEndMs) / periodMs) + 1;
  const out = new Float32Array(N * C).fill(Number.NaN);
  for (const f of kept) {
    if (f.state === 'ok') out.set(f.values, Math.round((f.endMs - firstEndMs) / periodMs) * C);
  }
  return { frames: out, startMs: firstEndMs - periodMs };
}

function fail(file: string, message: string, details: Record<string, unknown> = {}): never {
  throw new PipelineError('CLI_USAGE', `${file}: ${message}`, { details: { file, ...details } });
}

export async function evaluateFile(options: FileEvaluationOptions): Promise<FileEvaluation> {
  const { file, series, detector, fitting, trainRows } = options;
  const { channels, timestampsMs } = series;
  const C = channels.length;
  const N = timestampsMs.length;
  const T = fitting.window.lengthSteps;
  if (N <= trainRows)
    fail(file, `has ${N} rows; more than --train-rows ${trainRows} are needed to score any`, { rows: N });
  const periodMs = options.periodMs;
  if (!(periodMs > 0)) fail(file, 'cannot infer a sampling period from its timestamps; pass --period-ms', {});
  const cellEnd = (tsMs: number) => Math.floor(tsMs / periodMs) * periodMs + periodMs;

  // Align and window every row, as the live ingest path would receive them.
  const { frames, windows } = options.replay(periodMs);

  // The live fitting path on the training rows: the newest `holdoutFraction` of their complete
  // windows calibrate (never trained on), the older ones fit the normalizer and the model.
  const trainEndMs = cellEnd(timestampsMs[trainRows - 1]);
  const segment = trainingSegment(frames, trainEndMs, periodMs, C);
  const fitted = await fitModel({
    segments: segment === undefined ? [] : [segment],
    channels,
    periodMs,
    kind: fitting.kind,
    window: fitting.window,
    gruwatchVersion: fitting.gruwatchVersion,
    detector,
    calibrationFraction: options.holdoutFraction,
    isInWorker: options.isInWorker,
    ...(options.onTrainProgress !== undefined ? { onProgress: options.onTrainProgress } : {}),
  }).catch((err: unknown) => {
    if (isPipelineError(err, 'MODEL_TRAINING_FAILED'))
      fail(
        file,
        `no model could be fitted on its first ${trainRows} rows (--train-rows): ${(err as Error).message}`,
        {
          trainRows,
        },
      );
    throw err;
  });

  // Read the model back as the live service loads it: weights, normalizer and calibration.
  const decoded = fitting.decodeArtifact(fitted.bytes, channels);
  const calibration = calibrationSchema.parse(decoded.manifest.calibration);
  const reconstructor = fitting.kind.createReconstructor(decoded);

  // The EWMA carries on from the calibration windows, the immediate past of the scored rows.
  const warmScorer = createResidualScorer({
    scoring: detector.scoring,
    topChannels: detector.topChannels,
    ...(calibration.channelSpread !== undefined ? { channelSpread: calibration.channelSpread } : {}),
  });
  const trainWindows = windows.filter((w) => w.state === 'ok' && w.endMs <= trainEndMs);
  for (const w of trainWindows.slice(-fitted.windows.calibration)) {
    warmScorer.score({
      assetId: file,
      residuals: reconstructor.reconstruct(w.values).residuals,
      T,
      C,
      channels,
    });
  }

  // Stream the scored part.
  const monitor = createAssetMonitor({
    config: detector,
    calibrationFor: () => calibration,
    restore: { version: 1, alerts: {}, ewma: warmScorer.ewmaSnapshot(), thresholdHistory: {} },
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
    const residuals = verdict.shouldScore ? reconstructor.reconstruct(w.values).residuals : null;
    const result = monitor.observe(monitored, residuals, verdict);
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
  return { file, periodMs, rows, calibration, training: fitted.summary };
}
