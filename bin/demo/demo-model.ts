import { findMachineOff, resolveMachineOffRules } from '../../detector/index.js';
import { type FitModelResult, type FrameSegment, fitModel } from '../../detector/retraining/index.js';
import { alignReadings, createPlant, type SensorReading, tickReadings } from '../../ingest/index.js';
import type { TrainProgress } from '../../model/index.js';
import type { Config } from '../config.js';
import { fittingFor } from '../model-kinds.js';
import { openModelRegistry } from '../open-model-registry.js';
import { demoChannels, demoModelName, demoPeriodMs } from './demo-plan.js';

export interface DemoModelOptions {
  config: Config;
  assets: number;
  seed: number;
  /** The plant's first tick (it starts from standstill); training covers `[startMs, endMs)`. */
  startMs: number;
  endMs: number;
  onProgress?: (progress: TrainProgress) => void;
}

export interface DemoModel {
  version: string;
  /** The plant's asset ids, the same ones the live plant publishes with the same seed. */
  assetIds: string[];
  fitted: FitModelResult;
}

/** Coast-down before a stop and start-up after it, in steps: transients too rare in a few hours to learn. */
const beforeOffSteps = 60;
const afterOffSteps = 600;
/**
 * Training windows start every 16 s (two hops): a day of five pumps gives about as many windows as
 * half a day at every hop, so a whole daily cycle trains in about the same time; neighbouring
 * windows overlap by half and teach little more.
 */
const trainingStrideSteps = 16;

/**
 * The rows where the machine is off become gaps, with the coast-down before and the start-up after:
 * the detector never scores a window with an off row, and a handful of stops in a few hours is too
 * little to learn their transients from, so neither training nor threshold calibration sees them.
 * The plant's first start-up stays: it is hours before the end and teaches the warm-up.
 */
function withoutMachineOff(segment: FrameSegment, assetId: string, config: Config): FrameSegment {
  const C = demoChannels.length;
  const N = segment.frames.length / C;
  const rules = resolveMachineOffRules(assetId, demoChannels, config.detector.machineOff);
  const isOff = (row: number) => findMachineOff(rules, segment.frames, row * C).off;
  const masked = new Uint8Array(N);
  // The first rows are the plant's start from standstill, not a stop.
  let row = 0;
  while (row < N && isOff(row)) row++;
  for (; row < N; row++) {
    if (!isOff(row)) continue;
    const from = Math.max(0, row - beforeOffSteps);
    while (row < N && isOff(row)) row++;
    masked.fill(1, from, Math.min(N, row + afterOffSteps));
  }
  masked.forEach((m, r) => {
    if (m === 1) segment.frames.fill(Number.NaN, r * C, (r + 1) * C);
  });
  return segment;
}

export async function trainDemoModel(options: DemoModelOptions): Promise<DemoModel> {
  const { config } = options;
  const plant = createPlant({
    assets: options.assets,
    kind: 'pump',
    seed: options.seed,
    startMs: options.startMs,
    periodMs: demoPeriodMs,
  });
  const assetIds = plant.assets.map((a) => a.assetId);
  const byAsset = new Map<string, SensorReading[]>(assetIds.map((id) => [id, []]));
  for (const tick of plant.generate(options.endMs)) {
    for (const reading of tickReadings(tick, plant.assets)) byAsset.get(reading.assetId)!.push(reading);
  }
  const segments: FrameSegment[] = [];
  for (const [assetId, readings] of byAsset) {
    const segment = alignReadings(readings, demoChannels, config.ingest);
    if (segment !== undefined) segments.push(withoutMachineOff(segment, assetId, config));
  }
  const fitted = await fitModel({
    segments,
    channels: demoChannels,
    periodMs: demoPeriodMs,
    ...fittingFor(config.model),
    detector: config.detector,
    strideSteps: trainingStrideSteps,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const registry = openModelRegistry(config);
  const version = await registry.add(demoModelName, fitted.bytes);
  await registry.promote(demoModelName, version);
  return { version, assetIds, fitted };
}
