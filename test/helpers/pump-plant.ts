// The settings the service-level tests run the simulated pumps with: the demo's pump settings
// (bin/demo/demo-plan.ts) with a longer training and a lower threshold percentile, in one place
// so that the end-to-end and retraining tests judge the same detection.
import { demoChannels, pumpSettings } from '../../bin/demo/demo-plan.js';
import { type DetectorConfig, detectorConfigSchema } from '../../detector/index.js';
import { type ModelConfig, modelConfigSchema } from '../../model/index.js';

export const pumpChannels = [...demoChannels];

/** The demo's windows, model and alerts; trained for 20 epochs, alerting above the 99.5th percentile. */
export function pumpPlantSettings(periodMs: number): {
  detector: DetectorConfig;
  model: ModelConfig;
  ingestAlign: {
    align: { periodMs: number; fill: 'last'; maxHoldMs: number; latenessMs: number; idleFlushMs: number };
    assets: { match: string; model: string; channels: string[] }[];
    window: { T: number; hop: number };
  };
} {
  const { align, assets, window, model, detector } = pumpSettings;
  return {
    detector: detectorConfigSchema.parse({
      ...detector,
      scoring: { ...detector.scoring, hopSteps: window.hop },
      threshold: { type: 'quantile', q: 0.995 },
    }),
    model: modelConfigSchema.parse({
      ...model,
      windowSteps: window.T,
      hopSteps: window.hop,
      training: { ...model.training, epochs: 20 },
    }),
    ingestAlign: {
      align: { ...align, periodMs },
      assets: assets.map((a) => ({ ...a, channels: [...a.channels] })),
      window: { ...window },
    },
  };
}
