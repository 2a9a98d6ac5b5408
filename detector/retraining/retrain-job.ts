// One retraining run of one model, start to finish, without touching the
// running service: read the lookback window of every asset of the group (the
// local store through its own read-only connection, or InfluxDB), curate it
// (detector/retraining: alerts, silences, maintenance, gaps, operator labels),
// hold out the newest clean data, fit a candidate with the same code as
// `gruwatch train`, and compare it with the current model on the held-out
// data and on operator-marked incidents. The model kinds and the registry come
// in as dependencies. The service runs it in a child process at low priority so
// scoring on the main thread is not held up, and decides what to do with the
// result (registry, shadow, promotion).

import {
  type FrameSegment,
  type ModelArtifactBytes,
  type ModelKind,
  modelKindOf,
  Secret,
  type StoredModel,
  type TrainingProgress,
} from '../../core/index.js';
import type { DetectorConfig, MaintenanceWindow } from '../config.js';
import {
  type AlertEventRecord,
  createInfluxqlReader,
  openStoreReader,
  type RecordReader,
} from '../sinks/index.js';
import type { RetrainingSettings } from './config.js';
import { evaluateModel, type ModelEvaluation, type WindowSequence } from './evaluate-model.js';
import { completeWindowStarts, fitModel } from './fit-model.js';
import type { OperatorLabel } from './operator-label.js';
import { decidePromotion, type PromotionDecision } from './promotion-decision.js';
import {
  type ExclusionReason,
  emptyExcludedRows,
  type SelectedFrames,
  type SilencePeriod,
  selectTrainingFrames,
  type TrainingExclusions,
} from './select-training-frames.js';
import { splitNewest } from './split-holdout.js';
import { newestFrameByAsset } from './training-assets.js';

export type RetrainFrameSource =
  | { type: 'store' }
  | { type: 'influxdb'; url: string; token: string; database: string; timeoutMs: number };

/** Plain data only: it crosses into the child process. */
export interface RetrainJobInput {
  model: string;
  /** The asset group's channels, in the model's column order. */
  channels: string[];
  /** Every asset group in configuration order (an asset belongs to the first whose pattern matches it). */
  groups: { match: string; model: string }[];
  periodMs: number;
  /** Window length and hop of the model, in steps. */
  window: { lengthSteps: number; hopSteps: number };
  detector: DetectorConfig;
  settings: RetrainingSettings;
  currentVersion: string | null;
  /** The local store: the newest frame of each asset ends its lookback; also the frame source for `store`. */
  storePath: string;
  source: RetrainFrameSource;
  labels: OperatorLabel[];
  silences: SilencePeriod[];
  maintenance: MaintenanceWindow[];
  /** Skip when no asset has a frame newer than this (the data of the last candidate); null: always train. */
  trainedThroughMs: number | null;
}

export interface RetrainSelectionSummary {
  assets: number;
  dataRange: { fromMs: number; toMs: number } | null;
  rows: number;
  cleanRows: number;
  excludedRows: Record<ExclusionReason, number>;
  /** Longest excluded periods per asset, for the page and the logs. */
  excludedPeriods: { assetId: string; reason: ExclusionReason; fromMs: number; toMs: number }[];
  trainingWindows: number;
  holdoutWindows: number;
  incidentWindows: number;
}

export type RetrainJobResult =
  | { outcome: 'skipped'; reason: string; selection: RetrainSelectionSummary; durationMs: number }
  | {
      outcome: 'candidate';
      bytes: ModelArtifactBytes;
      selection: RetrainSelectionSummary;
      candidate: ModelEvaluation;
      current: ModelEvaluation | null;
      decision: PromotionDecision;
      warmStartFrom: string | null;
      durationMs: number;
    };

const noExclusions: TrainingExclusions = {
  alerts: [],
  silences: [],
  maintenance: [],
  labels: [],
  alertMarginBeforeMs: 0,
  alertMarginAfterMs: 0,
  nowMs: 0,
};

/** Complete windows of T rows whose last row is on the hop grid, as consecutive (T, C) views. */
function windowsOf(frames: Float32Array, C: number, T: number, hop: number): Float32Array[] {
  return completeWindowStarts(frames, C, T, hop).starts.map((s) => frames.subarray(s * C, (s + T) * C));
}

/** Complete windows lying inside the asset's `not_normal` labels: the incidents a candidate must still flag. */
function incidentWindows(
  raw: SelectedFrames,
  labels: readonly OperatorLabel[],
  matches: (pattern: string) => boolean,
  T: number,
  hop: number,
): Float32Array[] {
  const C = raw.channels.length;
  const out: Float32Array[] = [];
  for (const label of labels) {
    if (label.kind !== 'not_normal' || !matches(label.assetPattern)) continue;
    const first = Math.max(0, Math.ceil((label.fromMs - raw.startMs) / raw.periodMs));
    const end = Math.min(raw.rows, Math.ceil((label.toMs - raw.startMs) / raw.periodMs));
    if (end - first < T) continue;
    const part = raw.frames.subarray(first * C, end * C);
    out.push(...windowsOf(part, C, T, hop));
  }
  return out;
}

const isoOrNone = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString() : 'none');

export interface RetrainJobDeps {
  nowMs: () => number;
  onProgress?: (progress: TrainingProgress) => void;
  matches: (pattern: string, assetId: string) => boolean;
  /** The model kinds this process knows; a candidate is of its current model's kind, a first model of the first. */
  kinds: readonly ModelKind[];
  /** A stored version of a model, from the registry the service uses. */
  loadModel(name: string, version: string): Promise<StoredModel & { version: string }>;
  /** Recorded in the candidate's artifact. */
  gruwatchVersion: string;
}

export async function runRetrainJob(input: RetrainJobInput, deps: RetrainJobDeps): Promise<RetrainJobResult> {
  const startedMs = deps.nowMs();
  const { settings, channels, periodMs } = input;
  const C = channels.length;
  const T = input.window.lengthSteps;
  const hop = input.window.hopSteps;
  const local = openStoreReader(input.storePath);
  const reader: RecordReader =
    input.source.type === 'store'
      ? local
      : createInfluxqlReader({
          url: input.source.url,
          token: new Secret(input.source.token),
          database: input.source.database,
          timeoutMs: input.source.timeoutMs,
        });
  const selection: RetrainSelectionSummary = {
    assets: 0,
    dataRange: null,
    rows: 0,
    cleanRows: 0,
    excludedRows: emptyExcludedRows(),
    excludedPeriods: [],
    trainingWindows: 0,
    holdoutWindows: 0,
    incidentWindows: 0,
  };
  const training: FrameSegment[] = [];
  const holdout: WindowSequence[] = [];
  const incidents: WindowSequence[] = [];
  try {
    // Listing assets scans the store (or asks InfluxDB for the whole group's): done here, off the
    // service's main thread.
    const newestByAsset = await newestFrameByAsset(
      local,
      input.source.type === 'store' ? undefined : reader,
      (a) => input.groups.find((g) => deps.matches(g.match, a))?.model === input.model,
    );
    const assets = [...newestByAsset.keys()];
    const newestOfAll = Math.max(
      Number.NEGATIVE_INFINITY,
      ...[...newestByAsset.values()].map((at) => at ?? Number.NEGATIVE_INFINITY),
    );
    if (input.trainedThroughMs !== null && newestOfAll + periodMs <= input.trainedThroughMs)
      return {
        outcome: 'skipped',
        reason: `no new data since the last retrain (newest frame ${new Date(newestOfAll).toISOString()})`,
        selection,
        durationMs: deps.nowMs() - startedMs,
      };
    let newestRead = Number.NEGATIVE_INFINITY;
    for (const assetId of assets) {
      const newest = newestByAsset.get(assetId);
      if (newest === undefined) continue;
      const fromMs = newest + periodMs - settings.lookbackMs;
      const frames = await reader.queryFrames({ assetId, fromMs, toMs: newest + periodMs });
      // The lookback ends at the newest frame the source holds, not the local store's: InfluxDB trails
      // the store while its sink catches up, and what was not read must not count as trained on.
      let newestOfAsset = Number.NEGATIVE_INFINITY;
      for (const f of frames) if (f.atMs > newestOfAsset) newestOfAsset = f.atMs;
      if (newestOfAsset === Number.NEGATIVE_INFINITY) continue;
      newestRead = Math.max(newestRead, newestOfAsset);
      const toMs = newestOfAsset + periodMs;
      // Every alert event of the asset: one opened long before the lookback may still be open.
      const alerts: AlertEventRecord[] = await reader.queryAlerts({ assetId, limit: 1_000_000 });
      const select = (exclusions: Partial<TrainingExclusions>) =>
        selectTrainingFrames({
          assetId,
          channels,
          periodMs,
          fromMs,
          toMs,
          frames,
          exclusions: { ...noExclusions, nowMs: toMs, ...exclusions },
        });
      const selected = select({
        alerts,
        silences: input.silences,
        maintenance: input.maintenance,
        labels: input.labels,
        alertMarginBeforeMs: settings.alertMarginBeforeMs,
        alertMarginAfterMs: settings.alertMarginAfterMs,
      });
      selection.assets++;
      selection.rows += selected.rows;
      selection.cleanRows += selected.cleanRows;
      for (const [reason, n] of Object.entries(selected.excludedRows))
        selection.excludedRows[reason as ExclusionReason] += n;
      selection.dataRange = {
        fromMs: Math.min(selection.dataRange?.fromMs ?? selected.startMs, selected.startMs),
        toMs: Math.max(selection.dataRange?.toMs ?? toMs, toMs),
      };
      selection.excludedPeriods.push(
        ...selected.excludedPeriods
          .filter((p) => p.reason !== 'missing' || p.toMs - p.fromMs >= T * periodMs)
          .map((p) => ({ assetId, ...p })),
      );
      const split = splitNewest(selected, settings.validationFraction, T);
      training.push({ frames: split.training.frames, startMs: split.training.startMs, assetId });
      const held = windowsOf(split.holdout.frames, C, T, hop);
      if (held.length > 0) holdout.push({ assetId, windows: held });
      if (input.labels.some((l) => l.kind === 'not_normal' && deps.matches(l.assetPattern, assetId))) {
        // The incidents themselves are excluded from training; read them raw to test both models on them.
        const raw = select({});
        const found = incidentWindows(raw, input.labels, (p) => deps.matches(p, assetId), T, hop);
        if (found.length > 0) incidents.push({ assetId, windows: found });
      }
    }
    if (
      input.source.type === 'influxdb' &&
      input.trainedThroughMs !== null &&
      newestRead + periodMs <= input.trainedThroughMs
    )
      return {
        outcome: 'skipped',
        reason: `no new data in InfluxDB since the last retrain: it holds frames through ${isoOrNone(newestRead)}, the local store through ${isoOrNone(newestOfAll)}; the InfluxDB sink is behind`,
        selection,
        durationMs: deps.nowMs() - startedMs,
      };
  } finally {
    local.close();
  }
  selection.excludedPeriods.sort((a, b) => b.toMs - b.fromMs - (a.toMs - a.fromMs));
  selection.excludedPeriods.length = Math.min(selection.excludedPeriods.length, 50);
  selection.holdoutWindows = holdout.reduce((n, s) => n + s.windows.length, 0);
  selection.incidentWindows = incidents.reduce((n, s) => n + s.windows.length, 0);
  let available = 0;
  for (const segment of training) available += completeWindowStarts(segment.frames, C, T, hop).starts.length;
  selection.trainingWindows = available;
  const excludedText = Object.entries(selection.excludedRows)
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  const skip = (reason: string): RetrainJobResult => ({
    outcome: 'skipped',
    reason,
    selection,
    durationMs: deps.nowMs() - startedMs,
  });
  if (selection.assets === 0)
    return skip(
      input.source.type === 'influxdb'
        ? `InfluxDB holds no frames yet for the assets of model "${input.model}" in the lookback; nothing to train on`
        : `no stored frames yet for the assets of model "${input.model}"; nothing to train on`,
    );
  if (available < settings.minWindows)
    return skip(
      `too little clean data: ${available} complete window(s) of ${T} steps after exclusions, ${settings.minWindows} needed (rows ${selection.rows}, clean ${selection.cleanRows}; excluded rows: ${excludedText || 'none'})`,
    );
  if (selection.holdoutWindows === 0)
    return skip(
      `no complete held-out window to validate on (validationFraction ${settings.validationFraction}); collect more clean data`,
    );

  const current =
    input.currentVersion === null ? undefined : await deps.loadModel(input.model, input.currentVersion);
  const kind = current === undefined ? deps.kinds[0]! : modelKindOf(deps.kinds, current.manifest);
  const canWarmStart = settings.warmStart && current !== undefined && kind.canWarmStart(current, channels);
  // Long lookbacks are thinned evenly (stride in whole hops) so training time stays bounded.
  const strideSteps = hop * Math.max(1, Math.ceil(available / settings.maxWindows));
  const fitted = await fitModel({
    segments: training,
    channels,
    periodMs,
    kind,
    window: input.window,
    detector: input.detector,
    gruwatchVersion: deps.gruwatchVersion,
    strideSteps,
    isInWorker: false,
    ...(canWarmStart ? { warmStart: { model: current, fromVersion: current.version } } : {}),
    excluded: { windows: 0, rows: { ...selection.excludedRows } },
    ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
  });

  const candidateNormalizer = fitted.normalizer;
  const candidateUnderTest = {
    reconstructor: fitted.reconstructor,
    calibration: fitted.calibration,
    normalizer: candidateNormalizer,
  };
  const referenceScale = (current?.manifest.normalizer ?? candidateNormalizer).scale;
  const options = { detector: input.detector, referenceScale, T, channels };
  const data = { holdout, incidents };
  const candidate = evaluateModel(candidateUnderTest, data, options);
  let currentEvaluation: ModelEvaluation | null = null;
  if (current !== undefined) {
    currentEvaluation = evaluateModel(
      {
        reconstructor: kind.createReconstructor(current),
        calibration: current.manifest.calibration as typeof fitted.calibration,
        normalizer: current.manifest.normalizer,
      },
      data,
      options,
    );
  }
  return {
    outcome: 'candidate',
    bytes: fitted.bytes,
    selection: { ...selection, trainingWindows: fitted.windows.trained },
    candidate,
    current: currentEvaluation,
    decision: decidePromotion(currentEvaluation ?? undefined, candidate, settings.promotion),
    warmStartFrom: canWarmStart ? current.version : null,
    durationMs: deps.nowMs() - startedMs,
  };
}
