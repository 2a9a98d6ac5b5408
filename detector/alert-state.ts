// The alert lifecycle's state: plain JSON, so it can be persisted after each
// step and restored after a restart. The schema validates it at load time and
// the version field guards against reading a state another release wrote.
import { z } from 'zod';
import { PipelineError } from '../core/index.js';
import { assetStatusSchema, channelShareSchema, severitySchema } from './alert.js';

export const alertStateVersion = 1;

const openAlertSchema = z.strictObject({
  id: z.string(),
  openedAtMs: z.number(),
  startedAtMs: z.number(),
  severity: severitySchema,
  peakRatio: z.number(),
  /** Top channels at the peak ratio. */
  topChannels: z.array(channelShareSchema),
  /** First time of the current run below `hysteresis`, or null. */
  clearingSinceMs: z.number().nullable(),
  flapping: z.boolean(),
  /** While flapping: whether the undamped lifecycle would have the alert open now. */
  rawOpen: z.boolean(),
  /** While flapping and not rawOpen: first time of the current run at or above 1. */
  rawAboveSinceMs: z.number().nullable(),
});

const pendingSchema = z.strictObject({
  sinceMs: z.number(),
  peakRatio: z.number(),
  topChannels: z.array(channelShareSchema),
});

export const assetAlertStateSchema = z.strictObject({
  assetId: z.string(),
  status: assetStatusSchema,
  /** Time of the last observation taken; older or equal ones are ignored. */
  lastAtMs: z.number().nullable(),
  pending: pendingSchema.nullable(),
  alert: openAlertSchema.nullable(),
  cooldownUntilMs: z.number().nullable(),
  /** First time of the current run off or in maintenance, while an alert is open. */
  haltedSinceMs: z.number().nullable(),
  /** Times of open and resolve transitions (damped ones included) inside the flapping window. */
  transitionsMs: z.array(z.number()),
});

export const alertLifecycleStateSchema = z.strictObject({
  version: z.literal(alertStateVersion),
  assets: z.record(z.string(), assetAlertStateSchema),
});

export type OpenAlert = z.infer<typeof openAlertSchema>;
export type AssetAlertState = z.infer<typeof assetAlertStateSchema>;
export type AlertLifecycleState = z.infer<typeof alertLifecycleStateSchema>;

export function createAlertLifecycleState(): AlertLifecycleState {
  return { version: alertStateVersion, assets: {} };
}

export function createAssetAlertState(assetId: string): AssetAlertState {
  return {
    assetId,
    status: 'normal',
    lastAtMs: null,
    pending: null,
    alert: null,
    cooldownUntilMs: null,
    haltedSinceMs: null,
    transitionsMs: [],
  };
}

export function serialiseAlertState(state: AlertLifecycleState): string {
  return JSON.stringify(state);
}

/** Parses and validates a serialised state; a wrong version or shape is a coded error. */
export function restoreAlertState(text: string): AlertLifecycleState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new PipelineError('DETECTOR_STATE_INCOMPATIBLE', 'persisted alert state is not valid JSON', {
      cause: err,
    });
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (version !== alertStateVersion) {
    throw new PipelineError(
      'DETECTOR_STATE_INCOMPATIBLE',
      `persisted alert state has version ${String(version)}, this release reads version ${alertStateVersion}; remove the state file to start with no open alerts`,
      { details: { version, expected: alertStateVersion } },
    );
  }
  const parsed = alertLifecycleStateSchema.safeParse(raw);
  if (!parsed.success) {
    throw new PipelineError(
      'DETECTOR_STATE_INCOMPATIBLE',
      `persisted alert state does not match its schema: ${z.prettifyError(parsed.error)}`,
      { details: { issues: parsed.error.issues.length } },
    );
  }
  return parsed.data;
}
