// What the demo runs: the plant, the service configuration (built in code and
// validated by the same schema as a user's file), and the anomalies planted
// live. The pump settings are also the base of the service-level tests'.
import { createRng } from '../../core/index.js';
import { type AnomalySpec, pumpChannelNames } from '../../ingest/index.js';
import { type Config, configSchema } from '../config.js';

export const demoSite = 'demo';
export const demoModelName = 'pumps';
export const demoPeriodMs = 1_000;
export const demoChannels = pumpChannelNames;

// 32 steps of 1 s: the first window is complete half a minute after the plant starts.
const window = { T: 32, hop: 8 };

/**
 * The simulated pumps' alignment, windows, model and detection, unparsed (sections of a configuration
 * file): the model's window and the scorer's hop follow from `window`.
 */
export const pumpSettings = {
  align: {
    periodMs: demoPeriodMs,
    fill: 'last',
    maxHoldMs: 5_000,
    latenessMs: 2_000,
    idleFlushMs: 10_000,
  },
  assets: [{ match: 'pump-*', model: demoModelName, channels: [...demoChannels] }],
  window,
  model: {
    hiddenSize: 24,
    training: { epochs: 8, batchSize: 64, learningRate: 0.005, patience: 4, seed: 3 },
  },
  detector: {
    scoring: { aggregate: 'mse_last_hop', ewmaAlpha: 0.5 },
    // The training hours cannot show every hour of the plant's day: a margin above the 99.5th
    // percentile keeps the live hours after them quiet (the planted faults score well above it).
    threshold: { type: 'quantile', q: 0.999 },
    alerts: {
      minAboveMs: 20_000,
      clearBelowMs: 60_000,
      hysteresis: 0.8,
      cooldownMs: 120_000,
      criticalRatio: 4,
    },
    machineOff: [{ asset: 'pump-*', channel: 'speed_rpm', below: 100 }],
  },
} as const;

export interface DemoOptions {
  dataDir: string;
  brokerUrl: string;
  httpPort: number;
  /** Default 127.0.0.1; beyond loopback the schema requires `apiToken`. */
  httpHost?: string;
  apiToken?: string;
}

/** The full service configuration of the demo, parsed like a configuration file. */
export function demoConfig(options: DemoOptions): Config {
  return configSchema.parse({
    dataDir: options.dataDir,
    instance: 'gruwatch-demo',
    logging: { level: 'warn' },
    http: {
      host: options.httpHost ?? '127.0.0.1',
      port: options.httpPort,
      ...(options.apiToken === undefined ? {} : { apiToken: options.apiToken }),
    },
    ingest: {
      mqtt: {
        url: options.brokerUrl,
        protocolVersion: 4,
        clientId: 'gruwatch-demo',
        // The broker lives and dies with this process: there is no session to keep.
        isSessionPersistent: false,
        topics: [`plants/${demoSite}/{asset}/telemetry`],
      },
      decoder: { type: 'json' },
      align: pumpSettings.align,
      assets: pumpSettings.assets,
      window: pumpSettings.window,
    },
    model: pumpSettings.model,
    detector: pumpSettings.detector,
    store: { synchronous: 'normal' },
    sinks: [],
  });
}

/**
 * Anomalies the model finds within a window or two: big, sustained departures from the machine's
 * physics. The first is planted first: it is found fastest, so a newcomer sees an alert soonest.
 */
const plantable: readonly Pick<AnomalySpec, 'kind' | 'channel' | 'magnitude'>[] = [
  { kind: 'correlation-break', channel: 'flow_m3h', magnitude: 0.5 },
  { kind: 'drift', channel: 'discharge_pressure_bar', magnitude: 1 },
  { kind: 'spike', channel: 'vibration_rms_mms', magnitude: 1 },
  { kind: 'correlation-break', channel: 'discharge_pressure_bar', magnitude: 0.5 },
  { kind: 'drift', channel: 'bearing_temp_c', magnitude: 0.3 },
];

/**
 * Delay of the first anomaly after the service subscribes: the first complete window (T steps of
 * 1 s) is normal, so the page shows healthy assets before the first alert.
 */
export const firstAnomalyAfterMs = window.T * demoPeriodMs;
/** Long enough for the alert to open (20 s above the threshold) and to be seen on the page. */
export const anomalyDurationMs = 60_000;

export interface AnomalyPlanOptions {
  assetIds: readonly string[];
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
export function planAnomalies(options: AnomalyPlanOptions): AnomalySpec[] {
  const { assetIds, everyMs } = options;
  // The same seed plants the same anomalies.
  const assetOffset = createRng(options.seed, { stream: 'demo-anomalies' }).int(assetIds.length);
  const durationMs = Math.min(options.durationMs, assetIds.length * everyMs - demoPeriodMs);
  const items: AnomalySpec[] = [];
  for (let i = 0; options.firstAfterMs + i * everyMs < options.horizonMs; i++) {
    const planted = plantable[i % plantable.length]!;
    items.push({
      asset: assetIds[(assetOffset + i) % assetIds.length]!,
      ...planted,
      startMs: options.startMs + options.firstAfterMs + i * everyMs,
      durationMs: Math.max(demoPeriodMs, durationMs),
    });
  }
  return items;
}
