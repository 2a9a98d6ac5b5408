// What an injected anomaly is (the schedule entry) and what the run reports
// about it (the ground-truth label). The schema is the type and the validator.
import { z } from 'zod';

export const anomalyKinds = [
  'spike',
  'drift',
  'stuck',
  'noise-burst',
  'correlation-break',
  'degradation',
  'dropout',
] as const;
export type AnomalyKind = (typeof anomalyKinds)[number];

/** Kinds that act on one sensor; a degradation acts on the machine and needs no channel. */
export const channelAnomalyKinds: readonly AnomalyKind[] = anomalyKinds.filter((k) => k !== 'degradation');

/** Magnitude used when a schedule entry gives none (see README: fraction of the channel span, or wear). */
export const defaultMagnitudes: Record<AnomalyKind, number> = {
  spike: 0.25,
  drift: 0.15,
  stuck: 0,
  'noise-burst': 0.04,
  'correlation-break': 0.35,
  degradation: 0.6,
  dropout: 0,
};

export const anomalySpecSchema = z
  .strictObject({
    asset: z.string().min(1).describe('Asset id the anomaly is injected into, e.g. pump-002.'),
    channel: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Channel the anomaly acts on. Required for every kind but degradation, which acts on the wear of the machine (vibration and bearing temperature).',
      ),
    kind: z.enum(anomalyKinds).describe('What happens to the channel (see the simulator README).'),
    startMs: z.number().int().describe('Start of the anomaly, ms since the Unix epoch.'),
    durationMs: z
      .number()
      .int()
      .positive()
      .describe('Length of the anomaly in ms; it ends before startMs + durationMs.'),
    magnitude: z
      .number()
      .nonnegative()
      .optional()
      .describe(
        'Strength: a fraction of the channel span for spike, drift and noise-burst, the fractional drop for correlation-break, added wear (0–1) for degradation; ignored by stuck and dropout. Defaults per kind.',
      ),
  })
  .refine((a) => a.kind === 'degradation' || a.channel !== undefined, {
    message: 'A spike, drift, stuck, noise-burst, correlation-break or dropout anomaly needs `channel`.',
    path: ['channel'],
  })
  .describe('One planted anomaly.');

export type AnomalySpec = z.infer<typeof anomalySpecSchema>;

/** The ground truth of one anomaly, written to the labels file as one JSON line. */
export interface GroundTruthLabel {
  asset: string;
  /** Channels whose readings the anomaly changes. */
  channels: string[];
  kind: AnomalyKind;
  /** First affected time, ms since the epoch (inclusive). */
  startMs: number;
  /** End of the anomaly, ms since the epoch (exclusive). */
  endMs: number;
  magnitude: number;
}
