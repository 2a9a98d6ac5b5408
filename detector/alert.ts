// The alert vocabulary shared by the lifecycle, the sinks and the API: what an
// observation of one asset carries in, and what an alert event carries out.
// Declared as zod schemas so the persisted and posted shapes are the types.
import { z } from 'zod';
import { assetStatusSchema, severitySchema } from '../core/index.js';

export type { AssetStatus, Severity } from '../core/index.js';
export { assetStatusSchema, severitySchema };

export const channelShareSchema = z.strictObject({
  channel: z.string(),
  share: z.number(),
});

export const alertEventTypeSchema = z.enum([
  'opened',
  'escalated',
  'resolved',
  'flapping_started',
  'flapping_ended',
]);
export type AlertEventType = z.infer<typeof alertEventTypeSchema>;

export const resolveReasonSchema = z.enum(['recovered', 'machine_off', 'maintenance', 'data_stale']);
export type ResolveReason = z.infer<typeof resolveReasonSchema>;

export const alertEventSchema = z.strictObject({
  /** Idempotency key of the event: `${id}/${type}/${atMs}`. */
  eventId: z.string(),
  /** Stable alert id: `${assetId}-${openedAtMs}`; replaying the same observations gives the same id. */
  id: z.string(),
  assetId: z.string(),
  type: alertEventTypeSchema,
  /** Highest severity the alert has reached (severity never goes down). */
  severity: severitySchema,
  /** Ratio of the observation that caused the event; null when the asset was not scored then. */
  ratio: z.number().nullable(),
  peakRatio: z.number(),
  /** Top contributing channels at the peak ratio. */
  topChannels: z.array(channelShareSchema),
  atMs: z.number(),
  openedAtMs: z.number(),
  /** When the ratio first reached 1 in the run that opened the alert. */
  startedAtMs: z.number(),
  flapping: z.boolean(),
  /** Only on `resolved`. */
  reason: resolveReasonSchema.optional(),
});
export type AlertEvent = z.infer<typeof alertEventSchema>;
export type ChannelShareValue = z.infer<typeof channelShareSchema>;

/** What the lifecycle is told about one asset at one time (the newest window's end). */
export interface AlertObservation {
  assetId: string;
  /** score / threshold, or null when the window was not scored (no threshold yet, not run). */
  ratio: number | null;
  windowState: 'ok' | 'gap' | 'unknown';
  /** The machine-off condition holds on the newest frame. */
  off: boolean;
  suppressed: { silenced: boolean; maintenance: boolean };
  topChannels: ChannelShareValue[];
}
