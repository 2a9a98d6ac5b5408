// Detector micro-benchmarks: scoring a window, one live dynamic-threshold
// update, one alert-lifecycle step. Prints one JSON object to stdout; the
// figures are the median over repeated batches, in microseconds per operation.
import { stepAlertLifecycle } from '../alert-lifecycle.js';
import { createAlertLifecycleState } from '../alert-state.js';
import { detectorConfigSchema } from '../config.js';
import { createResidualScorer } from '../residual-scorer.js';
import { DynamicThreshold } from '../threshold/dynamic-threshold.js';

const batches = 15;

function medianMicros(opsPerBatch: number, batch: () => void): number {
  const samples: number[] = [];
  for (let b = 0; b < batches; b++) {
    const start = performance.now();
    batch();
    samples.push(((performance.now() - start) * 1000) / opsPerBatch);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(batches / 2)];
}

/** Deterministic pseudo-noise so runs are comparable. */
function noise(i: number): number {
  const x = Math.sin(i * 12.9898) * 43758.5453;
  return x - Math.floor(x) - 0.5;
}

const config = detectorConfigSchema.parse({
  scoring: { aggregate: 'mse_last_hop', hopSteps: 10, ewmaAlpha: 0.3 },
  threshold: { type: 'dynamic' },
});
const T = 60;
const C = 16;
const channels = Array.from({ length: C }, (_, c) => `ch${c}`);
const residuals = Float32Array.from({ length: T * C }, (_, i) => 0.1 * noise(i));

const scorer = createResidualScorer({ scoring: config.scoring, topChannels: config.topChannels });
const scoreOps = 2_000;
const scoreWindowUs = medianMicros(scoreOps, () => {
  for (let i = 0; i < scoreOps; i++) scorer.score({ assetId: 'bench', residuals, T, C, channels });
});

if (config.threshold.type !== 'dynamic') throw new Error('bench expects the dynamic threshold');
const { type: _type, ...params } = config.threshold;
const dynamic = new DynamicThreshold(params, undefined);
for (let i = 0; i < params.windowSize; i++) dynamic.update(1 + 0.1 * noise(i));
const dynamicOps = 500;
let tick = 0;
const dynamicUpdateUs = medianMicros(dynamicOps, () => {
  for (let i = 0; i < dynamicOps; i++) dynamic.update(1 + 0.1 * noise(tick++));
});

let state = createAlertLifecycleState();
let nowMs = 0;
const stepOps = 5_000;
const lifecycleStepUs = medianMicros(stepOps, () => {
  for (let i = 0; i < stepOps; i++) {
    nowMs += 1_000;
    const ratio = 1 + Math.sin(nowMs / 600_000);
    const observation = {
      assetId: `asset-${i % 50}`,
      ratio,
      windowState: 'ok' as const,
      off: false,
      suppressed: { silenced: false, maintenance: false },
      topChannels: [],
    };
    state = stepAlertLifecycle(state, observation, nowMs, config.alerts).state;
  }
});

process.stdout.write(
  `${JSON.stringify({
    bench: 'detector',
    unit: 'us_per_op',
    batches,
    window: { T, C, aggregate: config.scoring.aggregate },
    scoreWindowUs,
    dynamicUpdateUs,
    dynamicWindowSize: params.windowSize,
    lifecycleStepUs,
    lifecycleAssets: 50,
  })}\n`,
);
