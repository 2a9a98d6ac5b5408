// A schedule of planted anomalies for a live plant: one every `everyMs`, kinds in turn, assets in
// turn, the same for the same seed (what `gruwatch demo` plants while the page is watched).
import { createRng } from '../../core/index.js';
import type { AnomalySpec } from './anomaly.js';

/**
 * Anomalies the model finds within a window or two: big, sustained departures from the machine's
 * physics. The first is planted first: it is found fastest, so a newcomer sees an alert soonest.
 */
const pumpAnomalies: readonly Pick<AnomalySpec, 'kind' | 'channel' | 'magnitude'>[] = [
  { kind: 'correlation-break', channel: 'flow_m3h', magnitude: 0.5 },
  { kind: 'drift', channel: 'discharge_pressure_bar', magnitude: 1 },
  { kind: 'spike', channel: 'vibration_rms_mms', magnitude: 1 },
  { kind: 'correlation-break', channel: 'discharge_pressure_bar', magnitude: 0.5 },
  { kind: 'drift', channel: 'bearing_temp_c', magnitude: 0.3 },
];

export interface AnomalyPlanOptions {
  assetIds: readonly string[];
  /** The plant's sampling period: no anomaly is shorter. */
  periodMs: number;
  seed: number;
  /** When the live plant starts. */
  startMs: number;
  /** Delay of the first anomaly: the first windows must be complete and scored as normal before. */
  firstAfterMs: number;
  everyMs: number;
  durationMs: number;
  /** How far ahead the schedule reaches. */
  horizonMs: number;
}

/**
 * One anomaly every `everyMs`, kinds in turn, assets in turn from a seeded offset so that one asset's
 * anomalies are `assets × everyMs` apart and never overlap when the duration is shorter than that.
 */
export function planPumpAnomalies(options: AnomalyPlanOptions): AnomalySpec[] {
  const { assetIds, everyMs } = options;
  // The same seed plants the same anomalies.
  const assetOffset = createRng(options.seed, { stream: 'demo-anomalies' }).int(assetIds.length);
  const durationMs = Math.min(options.durationMs, assetIds.length * everyMs - options.periodMs);
  const items: AnomalySpec[] = [];
  for (let i = 0; options.firstAfterMs + i * everyMs < options.horizonMs; i++) {
    const planted = pumpAnomalies[i % pumpAnomalies.length]!;
    items.push({
      asset: assetIds[(assetOffset + i) % assetIds.length]!,
      ...planted,
      startMs: options.startMs + options.firstAfterMs + i * everyMs,
      durationMs: Math.max(options.periodMs, durationMs),
    });
  }
  return items;
}

const clockTime = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

/** `12:03:55 planted  pump-003 correlation-break on flow_m3h for 60 s` */
export function formatPlantedLine(spec: AnomalySpec): string {
  const where = spec.channel === undefined ? '' : ` on ${spec.channel}`;
  return `${clockTime(spec.startMs)} ${'planted'.padEnd(8)} ${spec.asset} ${spec.kind}${where} for ${Math.round(spec.durationMs / 1000)} s`;
}
