// Fitting a model for one asset group: aligned frames → complete windows →
// the model kind's training (normalizer and weights; off the calling thread
// where the kind can, so a running service keeps scoring) → threshold
// calibration on held-out windows → artifact bytes. The same function serves
// `gruwatch train`, the evaluation harness, the demo and retraining, so all
// fit models exactly the way the live service expects.

import {
  type ChannelScaling,
  type FrameSegment,
  type ModelArtifactBytes,
  type ModelKind,
  type ModelTrainingInput,
  PipelineError,
  type StoredModel,
  type TrainingProgress,
  type TrainingSummary,
  type WindowReconstructor,
} from '../../core/index.js';
import type { DetectorConfig } from '../config.js';
import { findMachineOff, resolveMachineOffRules } from '../suppression.js';
import { calibrateScoring } from '../threshold/calibrate-scoring.js';
import type { Calibration } from '../threshold/calibrate-threshold.js';

export interface FitModelInput {
  /** One segment per asset (or per file); windows never span two segments. */
  segments: readonly FrameSegment[];
  channels: readonly string[];
  periodMs: number;
  /** The kind of model to fit. */
  kind: ModelKind;
  /** Window length and hop, in steps. */
  window: { lengthSteps: number; hopSteps: number };
  detector: DetectorConfig;
  /** Recorded in the artifact. */
  gruwatchVersion: string;
  /** Share of each segment's complete windows, the newest, held out to calibrate the threshold (never trained on). */
  calibrationFraction?: number;
  /** Stride between training windows, in steps (default: the model's hop). */
  strideSteps?: number;
  /** Train in a worker thread (default true); false trains on this thread (tests, tiny data). */
  isInWorker?: boolean;
  onProgress?: (progress: TrainingProgress) => void;
  /** Warm start from a stored model the kind accepted (`canWarmStart`), and the version it is. */
  warmStart?: { model: StoredModel; fromVersion: string };
  /** What the data selection left out before these segments, recorded in the artifact's training summary. */
  excluded?: { windows: number; rows: Record<string, number> };
}

export interface FitModelResult {
  bytes: ModelArtifactBytes;
  summary: TrainingSummary;
  calibration: Calibration;
  /** The fitted model's normalizer and reconstructor, as the artifact serves them. */
  normalizer: ChannelScaling;
  reconstructor: WindowReconstructor;
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
  const { channels, detector } = input;
  const C = channels.length;
  const T = input.window.lengthSteps;
  const TC = T * C;
  const stride = input.strideSteps ?? input.window.hopSteps;
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
  const stack = (views: Float32Array[], width: number): Float32Array => {
    const out = new Float32Array(views.reduce((n, v) => n + v.length, 0));
    let offset = 0;
    for (const v of views) {
      out.set(v, offset);
      offset += width === 0 ? v.length : width;
    }
    return out;
  };
  const training: ModelTrainingInput = {
    rows: stack(trainRows, 0),
    windows: stack(trainViews, TC),
    channels,
    T,
    isInWorker: input.isInWorker !== false,
    ...(input.warmStart === undefined ? {} : { warmStart: input.warmStart.model }),
    ...(input.onProgress === undefined ? {} : { onProgress: input.onProgress }),
  };
  const trained = await input.kind.train(training);

  // Calibrate on the held-out, newest windows with the live reconstruction path.
  const heldOut = calibrationViews.map((view, w) => ({
    // One scorer state per segment, so smoothing never runs across two assets or files.
    assetId: `calibration-${calibrationSegment[w]}`,
    residuals: trained.reconstructor.reconstruct(view).residuals.slice(0, TC),
    T,
    C,
    channels,
  }));
  const { calibration } = calibrateScoring(heldOut, detector);
  const bytes = trained.encode({
    channels: [...channels],
    hopSteps: input.window.hopSteps,
    calibration,
    training: {
      dataRange: { startMs, endMs },
      windows: trainViews.length,
      epochs: trained.summary.epochsRun,
      bestEpoch: trained.summary.bestEpoch,
      lossCurve: trained.summary.lossCurve,
      seed: trained.summary.seed,
      calibrationWindows: calibrationViews.length,
      excluded: {
        windows: skipped + skippedMachineOff + (input.excluded?.windows ?? 0),
        rows: { ...(input.excluded?.rows ?? {}) },
      },
      durationMs: Math.round(performance.now() - startedMs),
      warmStartFrom: input.warmStart?.fromVersion ?? null,
    },
    gruwatchVersion: input.gruwatchVersion,
    createdAt: new Date().toISOString(),
  });
  return {
    bytes,
    summary: trained.summary,
    calibration,
    normalizer: trained.normalizer,
    reconstructor: trained.reconstructor,
    windows: {
      trained: trainViews.length,
      calibration: calibrationViews.length,
      skippedIncomplete: skipped,
      skippedMachineOff,
    },
  };
}
