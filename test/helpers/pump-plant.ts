// The settings the service-level tests run the simulated pumps with: one
// place for the channels, the detector, the model and the alignment, so the
// end-to-end and retraining tests judge the same detection.
import { type DetectorConfig, detectorConfigSchema } from '../../detector/index.js';
import { type ModelConfig, modelConfigSchema } from '../../model/index.js';

export const pumpChannels = [
  'speed_rpm',
  'flow_m3h',
  'discharge_pressure_bar',
  'motor_current_a',
  'bearing_temp_c',
  'vibration_rms_mms',
];

/** Windows of 32 steps every 8 steps, a small model, alerts after 20 s above the threshold. */
export function pumpPlantSettings(periodMs: number): {
  detector: DetectorConfig;
  model: ModelConfig;
  ingestAlign: {
    align: { periodMs: number; fill: 'last'; maxHoldMs: number; latenessMs: number; idleFlushMs: number };
    assets: { match: string; model: string; channels: string[] }[];
    window: { T: number; hop: number };
  };
} {
  const T = 32;
  const hop = 8;
  return {
    detector: detectorConfigSchema.parse({
      scoring: { aggregate: 'mse_last_hop', hopSteps: hop, ewmaAlpha: 0.5 },
      threshold: { type: 'quantile', q: 0.995 },
      alerts: {
        minAboveMs: 20_000,
        clearBelowMs: 60_000,
        hysteresis: 0.8,
        cooldownMs: 120_000,
        criticalRatio: 4,
      },
      machineOff: [{ asset: 'pump-*', channel: 'speed_rpm', below: 100 }],
    }),
    model: modelConfigSchema.parse({
      windowSteps: T,
      hopSteps: hop,
      hiddenSize: 24,
      training: { epochs: 20, batchSize: 64, learningRate: 0.005, patience: 4, seed: 3 },
    }),
    ingestAlign: {
      align: { periodMs, fill: 'last', maxHoldMs: 5_000, latenessMs: 2_000, idleFlushMs: 10_000 },
      assets: [{ match: 'pump-*', model: 'pumps', channels: [...pumpChannels] }],
      window: { T, hop },
    },
  };
}
