// Threshold calibration at training time, from scores of held-out normal
// windows. The result is a small JSON-serialisable record that the model
// artifact stores and the live detector reads back (validated by its schema).
import { z } from 'zod';
import { PipelineError, quantileOfSorted } from '../../core/index.js';
import type { ThresholdConfig } from '../config.js';
import { findDynamicThreshold } from './dynamic-threshold.js';

const value = z.number().positive().describe('The calibrated threshold, in score units.');
const n = z.int().positive().describe('Number of held-out scores the threshold was calibrated on.');
// Optional so that artifacts calibrated before per-channel normalization existed still load.
const channelSpread = z
  .array(z.number().positive())
  .min(1)
  .optional()
  .describe(
    "Each channel's mean squared residual on the held-out windows; when present, scores divide each channel's squared residual by it.",
  );

export const calibrationSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('quantile'),
    value,
    n,
    channelSpread,
    stats: z.strictObject({ q: z.number(), min: z.number(), max: z.number(), mean: z.number() }),
  }),
  z.strictObject({
    type: z.literal('mean_k_sigma'),
    value,
    n,
    channelSpread,
    stats: z.strictObject({
      k: z.number(),
      robust: z.boolean(),
      /** Mean, or the median when robust. */
      center: z.number(),
      /** Standard deviation, or 1.4826·MAD when robust. */
      spread: z.number(),
    }),
  }),
  z.strictObject({
    type: z.literal('dynamic'),
    value,
    n,
    channelSpread,
    stats: z.strictObject({ mean: z.number(), std: z.number(), z: z.number(), aboveCount: z.int() }),
  }),
]);

export type Calibration = z.infer<typeof calibrationSchema>;

function invalid(message: string, details: Record<string, unknown> = {}): PipelineError {
  return new PipelineError('DETECTOR_INPUT_INVALID', message, { details });
}

/** Calibrates the configured threshold on held-out normal scores. */
export function calibrateThreshold(
  scores: Float64Array | readonly number[],
  config: ThresholdConfig,
): Calibration {
  const count = scores.length;
  if (count === 0)
    throw invalid('cannot calibrate a threshold on zero held-out scores; hold out more windows');
  for (let i = 0; i < count; i++) {
    if (!Number.isFinite(scores[i]))
      throw invalid(`held-out score ${i} is not finite (${scores[i]})`, { index: i });
  }
  const calibration = calibrate(Float64Array.from(scores), config);
  if (!(calibration.value > 0) || !Number.isFinite(calibration.value)) {
    throw invalid(
      `the ${config.type} threshold calibrated on ${count} held-out scores is ${calibration.value}; scores without spread cannot be thresholded — check the held-out data or set a static override`,
      { type: config.type, value: calibration.value },
    );
  }
  return calibration;
}

function calibrate(scores: Float64Array, config: ThresholdConfig): Calibration {
  const count = scores.length;
  switch (config.type) {
    case 'quantile': {
      const sorted = scores.slice().sort();
      const mean = sorted.reduce((a, b) => a + b, 0) / count;
      return {
        type: 'quantile',
        value: quantileOfSorted(sorted, config.q),
        n: count,
        stats: { q: config.q, min: sorted[0], max: sorted[count - 1], mean },
      };
    }
    case 'mean_k_sigma': {
      let center: number;
      let spread: number;
      if (config.robust) {
        // Median and the MAD scaled by 1.4826, which estimates σ for normal data.
        const sorted = scores.slice().sort();
        center = quantileOfSorted(sorted, 0.5);
        const deviations = sorted.map((x) => Math.abs(x - center)).sort();
        spread = 1.4826 * quantileOfSorted(deviations, 0.5);
      } else {
        if (count < 2)
          throw invalid('mean_k_sigma needs at least 2 held-out scores for a standard deviation');
        center = scores.reduce((a, b) => a + b, 0) / count;
        // Sample standard deviation (n − 1): the held-out set is a sample.
        spread = Math.sqrt(scores.reduce((a, x) => a + (x - center) * (x - center), 0) / (count - 1));
      }
      return {
        type: 'mean_k_sigma',
        value: Math.max(center + config.k * spread, (config.minCenterRatio ?? 0) * center),
        n: count,
        stats: { k: config.k, robust: config.robust, center, spread },
      };
    }
    case 'dynamic': {
      // The whole held-out set is one window; the live threshold never drops
      // below this value when `useCalibratedFloor` is set.
      const { type: _type, ...params } = config;
      const result = findDynamicThreshold(scores, count, params);
      return {
        type: 'dynamic',
        value: result.value ?? Number.NaN,
        n: count,
        stats: { mean: result.mean, std: result.std, z: result.z, aboveCount: result.aboveCount },
      };
    }
  }
}
