// Fitting a model for one asset group: aligned frames → complete windows →
// normalizer → training (in a worker thread, so a running service keeps
// scoring) → threshold calibration on held-out windows → artifact bytes.
// The same function serves `gruwatch train`, the evaluation harness and the
// demo, so all three fit models exactly the way the live service expects.

import { PipelineError } from '../core/index.js';
import type { Calibration, DetectorConfig } from '../detector/index.js';
import { calibrateScoring, findMachineOff, resolveMachineOffRules } from '../detector/index.js';
import {
  type ArtifactBytes,
  createReconstructor,
  encodeArtifact,
  fitNormalizer,
  type ModelConfig,
  normalizeInto,
  type TrainProgress,
  type TrainSummary,
  trainAutoencoder,
} from '../model/index.js';
import { trainInWorker } from '../model/node/index.js';
import { gruwatchVersion } from './version.js';

/** A stretch of aligned frames of one asset: (N, C) rows on the period grid, oldest first, NaN where missing. */
export interface FrameSegment {
  frames: Float32Array;
  /** The asset the frames are of; with it, the detector's machine-off rules drop windows with the machine off. */
  assetId?: string;
  /** Time of row 0. */
  startMs: number;
}

export interface FitModelInput {
  /** One segment per asset (or per file); windows never span two segments. */
  segments: readonly FrameSegment[];
  channels: readonly string[];
  periodMs: number;
  model: ModelConfig;
  detector: DetectorConfig;
  /** Share of each segment's complete windows, the newest, held out to calibrate the threshold (never trained on). */
  calibrationFraction?: number;
  /** Stride between training windows, in steps (default: the model's hop). */
  strideSteps?: number;
  /** Train in a worker thread (default true); false trains on this thread (tests, tiny data). */
  isInWorker?: boolean;
  onProgress?: (progress: TrainProgress) => void;
  /** Warm start: these parameters (same dims) instead of a fresh initialisation, and the version they came from. */
  warmStart?: { params: Float32Array; fromVersion: string };
  /** What the data selection left out before these segments, recorded in the artifact's training summary. */
  excluded?: { windows: number; rows: Record<string, number> };
}

export interface FitModelResult {
  bytes: ArtifactBytes;
  summary: TrainSummary;
  calibration: Calibration;
  windows: { trained: number; calibration: number; skippedIncomplete: number; skippedMachineOff: number };
}

/** Start rows of the windows of T rows, `stride` apart, that contain no missing value. */
export function completeWindowStarts(
  frames: Float32Array,
  C: number,
  T: number,
  stride: number,
): { starts: number[]; skipped: number } {
  const N = frames.length / C;
  // lastMissing[i] = index of the newest row ≤ i with a missing value, so each window is checked in O(1).
  const lastMissing = new Int32Array(N);
  let last = -1;
  for (let i = 0; i < N; i++) {
    for (let c = 0; c < C; c++) {
      if (!Number.isFinite(frames[i * C + c])) {
        last = i;
        break;
      }
    }
    lastMissing[i] = last;
  }
  const starts: number[] = [];
  let skipped = 0;
  for (let s = 0; s + T <= N; s += stride) {
    if (lastMissing[s + T - 1]! < s) starts.push(s);
    else skipped++;
  }
  return { starts, skipped };
}

/** Prefix counts of machine-off rows: row i is off when count[i + 1] > count[i]. */
function machineOffRows(
  frames: Float32Array,
  channels: readonly string[],
  assetId: string,
  detector: DetectorConfig,
): Uint32Array {
  const C = channels.length;
  const N = frames.length / C;
  const counts = new Uint32Array(N + 1);
  const rules = resolveMachineOffRules(assetId, channels, detector.machineOff);
  for (let i = 0; i < N; i++) counts[i + 1] = counts[i]! + (findMachineOff(rules, frames, i * C).off ? 1 : 0);
  return counts;
}

export async function fitModel(input: FitModelInput): Promise<FitModelResult> {
  const startedMs = performance.now();
  const { channels, model: modelConfig, detector } = input;
  const C = channels.length;
  const T = modelConfig.windowSteps;
  const TC = T * C;
  const stride = input.strideSteps ?? modelConfig.hopSteps;
  const fraction = input.calibrationFraction ?? 0.2;
  // Per segment: the older windows train, the newest `fraction` calibrate.
  const trainViews: Float32Array[] = [];
  const calibrationViews: Float32Array[] = [];
  const calibrationSegment: number[] = [];
  const trainRows: Float32Array[] = [];
  let skipped = 0;
  let skippedMachineOff = 0;
  let startMs = Number.POSITIVE_INFINITY;
  let endMs = Number.NEGATIVE_INFINITY;
  for (const [segmentIndex, segment] of input.segments.entries()) {
    const found = completeWindowStarts(segment.frames, C, T, stride);
    skipped += found.skipped;
    if (segment.assetId !== undefined && detector.machineOff.length > 0) {
      // The live service never scores a window in which the machine is off (or stopping, or
      // starting), so neither training nor the threshold may see one: a stop's transient would
      // raise the calibrated threshold far above normal operation.
      const isOff = machineOffRows(segment.frames, channels, segment.assetId, detector);
      const before = found.starts.length;
      found.starts = found.starts.filter((s) => isOff[s + T] === isOff[s]);
      skippedMachineOff += before - found.starts.length;
    }
    if (found.starts.length === 0) continue;
    const nCalibration =
      found.starts.length >= 5 ? Math.max(1, Math.floor(found.starts.length * fraction)) : 0;
    const nTrain = found.starts.length - nCalibration;
    found.starts.forEach((s, i) => {
      const view = segment.frames.subarray(s * C, (s + T) * C);
      if (i < nTrain) trainViews.push(view);
      else {
        calibrationViews.push(view);
        calibrationSegment.push(segmentIndex);
      }
    });
    if (nTrain > 0) trainRows.push(segment.frames.subarray(0, (found.starts[nTrain - 1]! + T) * C));
    startMs = Math.min(startMs, segment.startMs + found.starts[0]! * input.periodMs);
    endMs = Math.max(endMs, segment.startMs + (found.starts.at(-1)! + T) * input.periodMs);
  }
  if (trainViews.length < 2 || calibrationViews.length < 1) {
    throw new PipelineError(
      'MODEL_TRAINING_FAILED',
      `too little complete data to train: ${trainViews.length + calibrationViews.length} complete window(s) of ${T} steps (${skipped} skipped for gaps); collect more data or shorten model.windowSteps`,
      { details: { windows: trainViews.length + calibrationViews.length, skipped, T } },
    );
  }
  // The normalizer sees only rows of the training part, like the model.
  const rowCount = trainRows.reduce((n, r) => n + r.length, 0);
  const rows = new Float32Array(rowCount);
  let offset = 0;
  for (const r of trainRows) {
    rows.set(r, offset);
    offset += r.length;
  }
  const normalizer = fitNormalizer(rows, C, modelConfig.normalizer);
  const stack = (views: Float32Array[]): Float32Array => {
    const out = new Float32Array(views.length * TC);
    for (const [i, v] of views.entries()) out.set(v, i * TC);
    return out;
  };
  const trainWindows = stack(trainViews);
  normalizeInto(trainWindows, trainWindows, normalizer);
  const training = modelConfig.training;
  const options = {
    dims: { C, T, H: modelConfig.hiddenSize },
    feeding: modelConfig.decoderFeeding,
    epochs: training.epochs,
    batchSize: training.batchSize,
    learningRate: training.learningRate,
    clipNorm: training.clipNorm,
    validationFraction: training.validationFraction,
    patience: training.patience,
    seed: training.seed,
    truncatedBpttSteps: training.truncatedBpttSteps,
    ...(input.warmStart === undefined ? {} : { initialParams: input.warmStart.params }),
  };
  const trained =
    input.isInWorker === false
      ? trainAutoencoder(trainWindows, options, input.onProgress)
      : await trainInWorker(trainWindows, options, input.onProgress);

  // Calibrate on the held-out, newest windows with the live scoring path.
  const reconstructor = createReconstructor(trained.model, { normalizer });
  const heldOut = calibrationViews.map((view, w) => ({
    // One scorer state per segment, so smoothing never runs across two assets or files.
    assetId: `calibration-${calibrationSegment[w]}`,
    residuals: reconstructor.reconstruct(view).residuals.slice(0, TC),
    T,
    C,
    channels,
  }));
  const { calibration } = calibrateScoring(heldOut, detector);
  const bytes = encodeArtifact(trained.model, {
    channels: [...channels],
    hopSteps: modelConfig.hopSteps,
    normalizer,
    calibration: calibration as unknown as Parameters<typeof encodeArtifact>[1]['calibration'],
    training: {
      dataRange: { startMs, endMs },
      windows: trainViews.length,
      epochs: trained.summary.epochsRun,
      bestEpoch: trained.summary.bestEpoch,
      lossCurve: trained.summary.lossCurve,
      seed: training.seed,
      calibrationWindows: calibrationViews.length,
      excluded: {
        windows: skipped + skippedMachineOff + (input.excluded?.windows ?? 0),
        rows: { ...(input.excluded?.rows ?? {}) },
      },
      durationMs: Math.round(performance.now() - startedMs),
      warmStartFrom: input.warmStart?.fromVersion ?? null,
    },
    gruwatchVersion: gruwatchVersion(),
    createdAt: new Date().toISOString(),
  });
  return {
    bytes,
    summary: trained.summary,
    calibration,
    windows: {
      trained: trainViews.length,
      calibration: calibrationViews.length,
      skippedIncomplete: skipped,
      skippedMachineOff,
    },
  };
}
