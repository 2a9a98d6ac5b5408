// What the demo runs: the plant and the service configuration (built in code and
// validated by the same schema as a user's file), and when the first anomaly is
// planted (the plan is the simulator's). The pump settings are also the base of the
// service-level tests'.
import { pumpChannelNames } from '../../ingest/index.js';
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
 * Delay of the first anomaly after the service subscribes: the first complete window (T steps of
 * 1 s) is normal, so the page shows healthy assets before the first alert.
 */
export const firstAnomalyAfterMs = window.T * demoPeriodMs;
/** Long enough for the alert to open (20 s above the threshold) and to be seen on the page. */
export const anomalyDurationMs = 60_000;
