// A plant: N assets of one kind, each with seed-derived parameters, stepped
// together on a fixed sampling grid. Each tick applies physics, measurement
// noise, the anomalies active at that time, clamping and quantization.
import { createRng, PipelineError, type Rng } from '../../core/index.js';
import type { SensorReading } from '../reading.js';
import { type AnomalyKind, type AnomalySpec, defaultMagnitudes, type GroundTruthLabel } from './anomaly.js';
import type { AssetKind, AssetModel } from './assets/asset-model.js';
import { createAssetModel } from './assets/catalog.js';
import { createInjector, type Injector, type ResolvedAnomaly } from './injectors.js';

export interface RandomAnomalies {
  /** Mean number of anomalies per asset per hour of simulated time. */
  ratePerHour: number;
  /** Kinds to draw from, uniformly. */
  kinds: readonly AnomalyKind[];
}

export interface PlantOptions {
  assets: number;
  kind: AssetKind;
  seed: number;
  /** Time of the first tick, ms since the epoch. */
  startMs: number;
  /** Sampling period: time between two ticks, ms. */
  periodMs: number;
  /** Asset ids are `${assetIdPrefix}-001`, … (default: the kind). */
  assetIdPrefix?: string;
  /** Explicit schedule. */
  anomalies?: readonly AnomalySpec[];
  /** Random anomalies drawn as the run goes, in addition to the schedule. */
  randomAnomalies?: RandomAnomalies;
}

export interface PlantAsset {
  assetId: string;
  kind: AssetKind;
  channels: readonly string[];
}

/** All channels of one asset at one tick, in `PlantAsset.channels` order; undefined = no reading (dropout). */
export interface AssetFrame {
  assetId: string;
  values: (number | undefined)[];
}

export interface PlantTick {
  timestampMs: number;
  frames: AssetFrame[];
  /** Ground truth of the anomalies that begin at this tick. */
  labels: GroundTruthLabel[];
}

export interface Plant {
  readonly assets: readonly PlantAsset[];
  readonly periodMs: number;
  /** Computes the next tick (the first is at startMs). */
  nextTick(): PlantTick;
  /** Ticks from the current position up to (excluding) `toMs`, as fast as they compute. */
  generate(toMs: number): Generator<PlantTick>;
}

/** Typical length of a random anomaly of each kind, [min, max] ms. */
const randomDurationsMs: Record<AnomalyKind, readonly [number, number]> = {
  spike: [60_000, 300_000],
  drift: [20 * 60_000, 2 * 3_600_000],
  stuck: [5 * 60_000, 30 * 60_000],
  'noise-burst': [2 * 60_000, 15 * 60_000],
  'correlation-break': [15 * 60_000, 60 * 60_000],
  degradation: [2 * 3_600_000, 8 * 3_600_000],
  dropout: [2 * 60_000, 20 * 60_000],
};

interface AssetRuntime {
  asset: PlantAsset;
  model: AssetModel;
  noiseRng: Rng;
  injectRng: Rng;
  scheduleRng: Rng;
  upcoming: ResolvedAnomaly[];
  nextUpcoming: number;
  nextRandom: ResolvedAnomaly | undefined;
  active: Injector[];
  trueValues: Float64Array; // (C)
  lastReported: (number | undefined)[];
}

export function createPlant(options: PlantOptions): Plant {
  const { seed, periodMs, kind } = options;
  const prefix = options.assetIdPrefix ?? kind;
  const runtimes: AssetRuntime[] = [];
  for (let a = 0; a < options.assets; a++) {
    const assetId = `${prefix}-${String(a + 1).padStart(3, '0')}`;
    const model = createAssetModel(kind, seed, assetId, options.startMs);
    const channels = model.channels.map((c) => c.name);
    runtimes.push({
      asset: { assetId, kind, channels },
      model,
      noiseRng: createRng(seed, { stream: `noise:${assetId}`, pairGaussians: true }),
      injectRng: createRng(seed, { stream: `inject:${assetId}`, pairGaussians: true }),
      scheduleRng: createRng(seed, { stream: `schedule:${assetId}`, pairGaussians: true }),
      upcoming: [],
      nextUpcoming: 0,
      nextRandom: undefined,
      active: [],
      trueValues: new Float64Array(channels.length),
      lastReported: channels.map(() => undefined),
    });
  }
  const byId = new Map(runtimes.map((r) => [r.asset.assetId, r]));
  (options.anomalies ?? []).forEach((spec, i) => {
    const runtime = byId.get(spec.asset);
    if (runtime === undefined) {
      throw new PipelineError(
        'CONFIG_INVALID',
        `anomalies[${i}].asset "${spec.asset}" is not an asset of this plant; ids run from ${runtimes[0]?.asset.assetId} to ${runtimes.at(-1)?.asset.assetId}.`,
        { details: { field: `anomalies[${i}].asset` } },
      );
    }
    runtime.upcoming.push(resolve(spec, runtime, `anomalies[${i}]`));
  });
  for (const runtime of runtimes) {
    runtime.upcoming.sort((x, y) => x.startMs - y.startMs);
    if (options.randomAnomalies !== undefined) {
      runtime.nextRandom = drawRandom(runtime, options.randomAnomalies, options.startMs, periodMs);
    }
  }

  let timestampMs = options.startMs;
  let isFirst = true;
  const nextTick = (): PlantTick => {
    const dtMs = isFirst ? 0 : periodMs;
    isFirst = false;
    const labels: GroundTruthLabel[] = [];
    const frames = runtimes.map((runtime) =>
      stepAsset(runtime, timestampMs, dtMs, labels, options.randomAnomalies, periodMs),
    );
    const tick = { timestampMs, frames, labels };
    timestampMs += periodMs;
    return tick;
  };
  return {
    assets: runtimes.map((r) => r.asset),
    periodMs,
    nextTick,
    *generate(toMs) {
      while (timestampMs < toMs) yield nextTick();
    },
  };
}

/** Flattens a tick into readings; a dropped-out channel yields none. */
export function tickReadings(tick: PlantTick, assets: readonly PlantAsset[]): SensorReading[] {
  const readings: SensorReading[] = [];
  tick.frames.forEach((frame, a) => {
    const channels = assets[a].channels;
    frame.values.forEach((value, c) => {
      if (value !== undefined) {
        readings.push({ assetId: frame.assetId, channel: channels[c], timestampMs: tick.timestampMs, value });
      }
    });
  });
  return readings;
}

function stepAsset(
  runtime: AssetRuntime,
  timestampMs: number,
  dtMs: number,
  labels: GroundTruthLabel[],
  random: RandomAnomalies | undefined,
  periodMs: number,
): AssetFrame {
  const { model, upcoming } = runtime;
  while (runtime.nextUpcoming < upcoming.length && upcoming[runtime.nextUpcoming].startMs <= timestampMs) {
    activate(runtime, upcoming[runtime.nextUpcoming++], labels);
  }
  while (
    random !== undefined &&
    runtime.nextRandom !== undefined &&
    runtime.nextRandom.startMs <= timestampMs
  ) {
    const anomaly = runtime.nextRandom;
    activate(runtime, anomaly, labels);
    runtime.nextRandom = drawRandom(runtime, random, anomaly.endMs, periodMs);
  }
  if (runtime.active.some((inj) => inj.anomaly.endMs <= timestampMs)) {
    runtime.active = runtime.active.filter((inj) => inj.anomaly.endMs > timestampMs);
  }
  let extraWear = 0;
  for (const injector of runtime.active) extraWear += injector.extraWearAt(timestampMs);
  model.step(runtime.trueValues, timestampMs, dtMs, extraWear);
  const values: (number | undefined)[] = [];
  model.channels.forEach((channel, c) => {
    // The noise draw happens for every channel on every tick, dropped out or not, so the
    // stream (and thus all data outside an anomaly) does not depend on the anomalies.
    let value: number | undefined = runtime.trueValues[c] + channel.noiseStd * runtime.noiseRng.gaussian();
    for (const injector of runtime.active) {
      if (injector.anomaly.channelIndex !== c || value === undefined) continue;
      value = injector.apply(value, timestampMs, runtime.lastReported[c]);
    }
    if (value !== undefined) {
      const scale = 10 ** channel.decimals;
      value = Math.round(Math.max(value, channel.minValue) * scale) / scale;
      // -0 would print as 0 but compare unequal in Object.is; normalise it.
      if (value === 0) value = 0;
      runtime.lastReported[c] = value;
    }
    values.push(value);
  });
  return { assetId: runtime.asset.assetId, values };
}

function activate(runtime: AssetRuntime, anomaly: ResolvedAnomaly, labels: GroundTruthLabel[]): void {
  const { model } = runtime;
  const channel = anomaly.channelIndex >= 0 ? model.channels[anomaly.channelIndex] : undefined;
  runtime.active.push(createInjector(anomaly, channel, runtime.injectRng));
  labels.push({
    asset: anomaly.asset,
    channels: channel === undefined ? [...model.wearChannels] : [channel.name],
    kind: anomaly.kind,
    startMs: anomaly.startMs,
    endMs: anomaly.endMs,
    magnitude: anomaly.magnitude,
  });
}

function resolve(spec: AnomalySpec, runtime: AssetRuntime, field: string): ResolvedAnomaly {
  let channelIndex = -1;
  if (spec.kind !== 'degradation') {
    channelIndex = runtime.asset.channels.indexOf(spec.channel ?? '');
    if (channelIndex < 0) {
      throw new PipelineError(
        'CONFIG_INVALID',
        `${field}.channel "${spec.channel ?? ''}" is not a channel of ${spec.asset} (${runtime.asset.kind}); use one of ${runtime.asset.channels.join(', ')}.`,
        { details: { field: `${field}.channel` } },
      );
    }
  }
  return {
    asset: spec.asset,
    kind: spec.kind,
    channelIndex,
    startMs: spec.startMs,
    endMs: spec.startMs + spec.durationMs,
    magnitude: spec.magnitude ?? defaultMagnitudes[spec.kind],
  };
}

function drawRandom(
  runtime: AssetRuntime,
  random: RandomAnomalies,
  afterMs: number,
  periodMs: number,
): ResolvedAnomaly | undefined {
  if (random.ratePerHour <= 0 || random.kinds.length === 0) return undefined;
  const rng = runtime.scheduleRng;
  const startMs = Math.ceil(afterMs + rng.exponential(3_600_000 / random.ratePerHour));
  const kind = random.kinds[rng.int(random.kinds.length)];
  const [minMs, maxMs] = randomDurationsMs[kind];
  const durationMs = Math.max(Math.round(rng.uniform(minMs, maxMs)), 3 * periodMs);
  const { model } = runtime;
  const breakChannels = model.correlationBreakChannels;
  const channelIndex =
    kind === 'degradation'
      ? -1
      : kind === 'correlation-break'
        ? runtime.asset.channels.indexOf(breakChannels[rng.int(breakChannels.length)])
        : rng.int(runtime.asset.channels.length);
  return {
    asset: runtime.asset.assetId,
    kind,
    channelIndex,
    startMs,
    endMs: startMs + durationMs,
    magnitude: defaultMagnitudes[kind] * rng.uniform(0.7, 1.3),
  };
}
