// A small plant behind the HTTP API for the browser tests: windows of every
// asset go through the real detector (createAssetMonitor) with residuals we
// plant, so alerts, top channels and silences come from the real lifecycle.
// Operator labels and model actions are kept in memory, as the page sent them.
// Live events mirror what detector/pipeline/delivery-pipeline.ts publishes. Data time advances by
// `stepMs` per tick, independent of the wall clock.
import type {
  LabelInput,
  LabelView,
  LiveEvent,
  ModelView,
  RetrainingView,
  ServiceApi,
  SilenceInput,
} from '../../dashboards/api/index.js';
import {
  type AlertEvent,
  type AssetMonitor,
  type Calibration,
  calibrationSchema,
  createAssetMonitor,
  detectorConfigSchema,
} from '../../detector/index.js';
import type { AlertEventRecord, ScoreRecord } from '../../detector/sinks/index.js';

export const plantChannels = ['temperature', 'vibration', 'pressure', 'flow'] as const;
const T = 8;
const C = plantChannels.length;
const keptPoints = 720;

export interface PlantService {
  readonly api: ServiceApi;
  readonly nowMs: number;
  /** Advances data time by one step and observes one window of every asset. */
  tick(): void;
  /** From the next tick on, `channel` of `assetId` deviates by `residual` (normalized units); 0 ends it. */
  plant(assetId: string, channel: string, residual: number): void;
  readonly assetIds: readonly string[];
  /** Labels the page posted, with their ids. */
  readonly labels: readonly LabelView[];
  /** Model actions the page asked for, e.g. `promote pumps v-next`. */
  readonly modelActions: readonly string[];
  /** Replaces the model's retraining state and publishes the model view, as the service does. */
  setRetraining(retraining: RetrainingView | null): void;
}

interface Frame {
  atMs: number;
  values: number[];
  reconstruction: number[];
}

export function createPlantService(options: {
  assets: number;
  startMs: number;
  stepMs: number;
  /** Other names for the four channels (e.g. long ones, as plants name them). */
  channelNames?: readonly [string, string, string, string];
}): PlantService {
  const channels: readonly string[] = options.channelNames ?? plantChannels;
  const assetIds = Array.from({ length: options.assets }, (_, i) => `pump-${String(i + 1).padStart(2, '0')}`);
  const calibration: Calibration = calibrationSchema.parse({
    type: 'quantile',
    value: 0.5,
    n: 500,
    stats: { q: 0.999, min: 0.001, max: 0.6, mean: 0.05 },
  });
  const config = detectorConfigSchema.parse({
    alerts: {
      minAboveMs: 3 * options.stepMs,
      clearBelowMs: 6 * options.stepMs,
      cooldownMs: 6 * options.stepMs,
    },
  });
  const monitor: AssetMonitor = createAssetMonitor({ config, calibrationFor: () => calibration });
  const listeners = new Set<(event: LiveEvent) => void>();
  const scores = new Map<string, ScoreRecord[]>();
  const frames = new Map<string, Frame[]>();
  const alerts: AlertEventRecord[] = [];
  const planted = new Map<string, { channel: number; residual: number }>();
  const residuals = new Float32Array(T * C);
  let nowMs = options.startMs;
  let step = 0;

  const publish = (event: LiveEvent) => {
    for (const listener of listeners) listener(event);
  };
  const keep = <V>(map: Map<string, V[]>, assetId: string, value: V) => {
    let list = map.get(assetId);
    if (list === undefined) {
      list = [];
      map.set(assetId, list);
    }
    list.push(value);
    if (list.length > keptPoints) list.splice(0, list.length - keptPoints);
  };

  const observe = (assetId: string, index: number) => {
    const fault = planted.get(assetId);
    const values: number[] = [];
    const reconstruction: number[] = [];
    for (let t = 0; t < T; t++) {
      for (let c = 0; c < C; c++) {
        // Small deterministic noise well under the threshold; the planted channel deviates.
        const noise = 0.08 * Math.sin(step * 0.7 + index * 1.3 + c * 2.1 + t);
        residuals[t * C + c] = fault !== undefined && fault.channel === c ? fault.residual : noise;
      }
    }
    for (let c = 0; c < C; c++) {
      const value = 50 + 10 * c + 5 * Math.sin((step + index) / 12 + c);
      values.push(value + (fault?.channel === c ? fault.residual * 4 : 0));
      reconstruction.push(
        value - residuals[(T - 1) * C + c] * 4 + (fault?.channel === c ? fault.residual * 4 : 0),
      );
    }
    keep(frames, assetId, { atMs: nowMs, values, reconstruction });
    const result = monitor.observe(
      {
        assetId,
        atMs: nowMs,
        state: 'ok',
        channels: channels,
        T,
        // Every frame of the window as the newest one: the page tests need no stopped machine.
        values: Float32Array.from({ length: T * channels.length }, (_, i) => values[i % channels.length]!),
      },
      residuals,
    );
    if (result.scored && result.scored.ratio !== null && result.scored.threshold !== undefined) {
      const score: ScoreRecord = {
        assetId,
        atMs: nowMs,
        score: result.scored.score,
        threshold: result.scored.threshold,
        ratio: result.scored.ratio,
        modelVersion: 'v-test',
        state: 'ok',
        channels: channels,
        contributions: Array.from(result.scored.contributions),
        topChannels: result.scored.topChannels.map((c) => c.channel),
      };
      keep(scores, assetId, score);
      publish({
        type: 'score',
        data: { ...score, topChannels: result.scored.topChannels, status: result.status },
      });
    } else {
      publish({
        type: 'status',
        data: { assetId, atMs: nowMs, status: result.status, reason: 'warming_up' },
      });
    }
    for (const event of result.events) {
      const record = toRecord(event);
      if (record !== undefined) alerts.unshift(record);
      publish({ type: 'alert', data: event });
    }
  };

  const inRange = <V extends { atMs: number }>(
    list: V[],
    q: { fromMs?: number; toMs?: number; limit: number },
  ) =>
    list
      .filter(
        (v) => (q.fromMs === undefined || v.atMs >= q.fromMs) && (q.toMs === undefined || v.atMs < q.toMs),
      )
      .slice(-q.limit);

  const labels: LabelView[] = [];
  const modelActions: string[] = [];
  let retraining: RetrainingView | null = null;
  const modelView = (): ModelView => ({
    name: 'pumps',
    version: 'v-test',
    createdAt: new Date(options.startMs).toISOString(),
    channels: channels,
    dims: { T, C, H: 16 },
    threshold: calibration.value,
    calibration,
    training: {
      dataRange: { startMs: options.startMs - 7 * 24 * 3_600_000, endMs: options.startMs },
      windows: 4032,
      epochs: 12,
      bestEpoch: 10,
      lossCurve: Array.from({ length: 12 }, (_, i) => ({
        epoch: i + 1,
        trainLoss: 1 / (i + 1.5),
        validationLoss: 1.1 / (i + 1.4),
      })),
    },
    needsNewModel: null,
    retraining,
    retrainHistory: [],
  });

  const api: ServiceApi = {
    readiness: () => [{ name: 'plant', ready: true }],
    assets: () => monitor.assets(),
    scores: (q) => inRange(scores.get(q.assetId) ?? [], q),
    frames: (q) => ({ channels: channels, points: inRange(frames.get(q.assetId) ?? [], q) }),
    alerts: (q) => alerts.filter((a) => q.assetId === undefined || a.assetId === q.assetId).slice(0, q.limit),
    silences: () => [...monitor.silences()],
    addSilence(input: SilenceInput) {
      monitor.addSilence(input);
      return input;
    },
    removeSilence: (id) => monitor.removeSilence((s) => s.assetPattern === id) > 0,
    models: () => [modelView()],
    labels: (q) =>
      labels.filter(
        (l) =>
          (q.assetId === undefined || l.assetPattern === q.assetId) &&
          (q.toMs === undefined || l.fromMs < q.toMs) &&
          (q.fromMs === undefined || l.toMs > q.fromMs),
      ),
    addLabel(input: LabelInput) {
      const label = { id: `label-${labels.length + 1}`, ...input, createdAtMs: nowMs };
      labels.push(label);
      return label;
    },
    removeLabel(id) {
      const index = labels.findIndex((l) => l.id === id);
      if (index >= 0) labels.splice(index, 1);
      return index >= 0;
    },
    async promoteModel(model, version) {
      modelActions.push(`promote ${model} ${version}`);
      return modelView();
    },
    async rollbackModel(model) {
      modelActions.push(`rollback ${model}`);
      return { from: 'v-test', to: 'v-before', model: modelView() };
    },
    async retrainNow(model) {
      modelActions.push(`retrain ${model}`);
      return { model, queued: true, retraining };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  return {
    api,
    assetIds,
    get nowMs() {
      return nowMs;
    },
    tick() {
      step++;
      nowMs += options.stepMs;
      assetIds.forEach(observe);
    },
    labels,
    modelActions,
    setRetraining(next) {
      retraining = next;
      publish({ type: 'model', data: modelView() });
    },
    plant(assetId, channel, residual) {
      const index = channels.indexOf(channel);
      if (index < 0) throw new Error(`unknown channel ${channel}; use one of ${channels.join(', ')}`);
      if (residual === 0) planted.delete(assetId);
      else planted.set(assetId, { channel: index, residual });
    },
  };
}

/** As detector/pipeline/delivery-pipeline.ts stores them: opened, escalated and resolved events become records. */
function toRecord(event: AlertEvent): AlertEventRecord | undefined {
  if (event.type !== 'opened' && event.type !== 'escalated' && event.type !== 'resolved') return undefined;
  return {
    id: event.id,
    assetId: event.assetId,
    type: event.type,
    severity: event.severity,
    ratio: event.ratio ?? event.peakRatio,
    peakRatio: event.peakRatio,
    topChannels: event.topChannels.map((c) => c.channel),
    atMs: event.atMs,
    openedAtMs: event.openedAtMs,
    modelVersion: 'v-test',
    ...(event.reason !== undefined ? { reason: event.reason } : {}),
  };
}
