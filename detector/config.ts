// The `detector` config section: scoring, threshold, per-asset overrides, the
// alert lifecycle and suppression. The schema is the type, the validator, the
// defaults and the documentation (STYLE §5); nothing else declares these keys.
import { z } from 'zod';

const assetPattern = z
  .string()
  .min(1)
  .describe(
    'An asset id, or a glob over asset ids where `*` matches any run of characters and `?` matches one character.',
  );

export const reanchorSchema = z.strictObject({
  fastAlpha: z
    .number()
    .gt(0)
    .lte(1)
    .default(0.1)
    .describe(
      "Weight of the newest window in the moving average of each channel's residual (normalized units, newest `hopSteps` steps): the channel's current level.",
    ),
  steadyTolerance: z
    .number()
    .positive()
    .default(0.5)
    .describe(
      "Largest distance, in normalized units, a channel's level may move from where a steady stretch began for the channel to still count as steady (not moving toward a new level, not drifting).",
    ),
  steadyMs: z
    .int()
    .nonnegative()
    .default(30_000)
    .describe(
      'How long a channel must stay steady, with an alert open, before its current level becomes its second anchor (data time, ms).',
    ),
  maxOffset: z
    .number()
    .positive()
    .default(2)
    .describe(
      "Largest level, in normalized units (the normalizer's scale: at least the training spread and the relative scale floor of the level), that can become an anchor: a larger steady shift is not a plausible new operating point and stays scored as a fault.",
    ),
  reversalRatio: z
    .number()
    .positive()
    .lte(1)
    .default(1)
    .describe(
      'A channel is re-anchored only once its level has fallen to at most this fraction of the largest level it reached since the alert opened: below 1 only channels that have partly returned after an event are re-anchored, so a fault that holds its full shift stays detected; 1 asks for no return.',
    ),
  gradualStep: z
    .number()
    .positive()
    .optional()
    .describe(
      "Largest change from one window to the next, in normalized units, of a channel's short moving average (weight `stepAlpha`) for its move to count as gradual: a channel that reached its new level gradually (a set-point ramp, a controller settling) may be anchored without the return `reversalRatio` asks for, while one that jumped (a step, as a breaking or closing part makes) still needs it. The largest change is remembered while an alert is open and forgotten at the rate of `fastAlpha` otherwise, so the jump that opened the alert counts. Leave it out to treat every move alike.",
    ),
  stepAlpha: z
    .number()
    .gt(0)
    .lte(1)
    .default(0.5)
    .describe(
      'Weight of the newest window in the short moving average whose window-to-window change `gradualStep` bounds: short enough that a step shows as a jump, long enough that one noisy window does not.',
    ),
});

export const scoringSchema = z
  .strictObject({
    aggregate: z
      .enum(['mse_last_hop', 'mse_window', 'max_step_mse'])
      .default('mse_last_hop')
      .describe(
        'How a window of squared residuals becomes one score: `mse_last_hop` is the mean over the newest `hopSteps` steps (each step is scored once when the hop equals the window stride), `mse_window` the mean over the whole window, `max_step_mse` the largest per-step mean.',
      ),
    hopSteps: z
      .int()
      .positive()
      .default(1)
      .describe(
        'Number of newest steps that `mse_last_hop` averages over. Set it to the window stride so that every step is scored exactly once; it must not exceed the window length.',
      ),
    ewmaAlpha: z
      .number()
      .gt(0)
      .lte(1)
      .optional()
      .describe(
        'Weight of the newest score in an exponentially weighted moving average kept per asset. Leave it out to use raw scores; 1 is the same as no smoothing.',
      ),
    channelNormalization: z
      .enum(['none', 'calibrated'])
      .optional()
      .describe(
        "Whether each channel's squared residual is divided by that channel's mean squared residual on the held-out calibration windows before channels are combined: `calibrated` measures these spreads when a model is fitted and stores them with its threshold calibration, so a fault on a quiet channel counts as much as one on a noisy channel; `none` combines raw squared residuals. Live scoring follows what the model's calibration holds, so the threshold is always in the units it was calibrated in. Leave it out for `none`.",
      ),
    channelSpreadFloor: z
      .number()
      .gt(0)
      .lte(1)
      .optional()
      .describe(
        "With `channelNormalization: calibrated`, each channel's measured spread is raised to at least this fraction of the mean spread over channels, so no channel weighs more than 1/channelSpreadFloor times an average one: a channel that is quiet on the short held-out stretch but wanders in normal operation is not amplified without bound. Leave it out for 0.01.",
      ),
    channelAggregate: z
      .enum(['mean', 'max', 'top2_mean'])
      .optional()
      .describe(
        'How the channels of the scored region become one score: `mean` averages the per-channel squared errors, `max` takes the largest, so one deviating channel is not diluted by the others; `top2_mean` averages the two largest, so a fault must show on two channels, or strongly on one, while one channel drifting slowly on its own counts half. Leave it out for `mean`.',
      ),
    reanchor: reanchorSchema
      .optional()
      .describe(
        'Re-anchoring of channel offsets while an alert is open: a channel that has settled at a new, steady level within `maxOffset` of its trained level gets that level as a second anchor, so the alert can clear once the event is over instead of staying open on a new set-point. Leave it out to score every residual against the trained level only.',
      ),
  })
  .describe('How residuals are turned into one score per window.');

const quantileThresholdSchema = z.strictObject({
  type: z.literal('quantile').describe('Threshold at a quantile of the held-out normal scores.'),
  q: z
    .number()
    .gt(0)
    .lt(1)
    .default(0.999)
    .describe('The quantile, between 0 and 1, computed with linear interpolation between order statistics.'),
});

const meanKSigmaThresholdSchema = z.strictObject({
  type: z
    .literal('mean_k_sigma')
    .describe('Threshold at the mean plus k standard deviations of normal scores.'),
  k: z
    .number()
    .positive()
    .default(4)
    .describe('How many standard deviations above the centre the threshold sits.'),
  robust: z
    .boolean()
    .default(false)
    .describe(
      'Use the median and 1.4826 times the median absolute deviation instead of the mean and the standard deviation, so a few outliers in the held-out data do not inflate the threshold.',
    ),
  minCenterRatio: z
    .number()
    .min(1)
    .optional()
    .describe(
      'Raise the threshold to at least this multiple of the centre: held-out scores are few and autocorrelated, so their spread understates how far the normal score level moves over hours, and an anomaly should at least multiply the typical error by this factor. Leave it out for no such floor.',
    ),
});

const dynamicThresholdSchema = z.strictObject({
  type: z
    .literal('dynamic')
    .describe(
      'Nonparametric dynamic threshold after Hundman et al. (2018): over a sliding window of recent scores, the threshold is mean + z·std with z chosen to best separate the highest scores from the rest.',
    ),
  windowSize: z
    .int()
    .min(10)
    .default(250)
    .describe('Number of recent scores per asset over which the threshold is recomputed.'),
  minScores: z
    .int()
    .min(2)
    .default(50)
    .describe(
      'Number of scores an asset must have seen before the live threshold is defined; until then the asset is not alerted on (warm-up).',
    ),
  zMin: z.number().positive().default(2.5).describe('Smallest z tried.'),
  zMax: z
    .number()
    .positive()
    .default(12)
    .describe('Largest z tried; also the z used when no candidate qualifies.'),
  zStep: z.number().positive().default(0.5).describe('Step between the z values tried.'),
  bufferScores: z
    .int()
    .min(0)
    .default(1)
    .describe(
      'Number of neighbouring scores on each side of a score above a candidate threshold that count as part of the same anomalous sequence.',
    ),
  maxSequences: z
    .int()
    .positive()
    .default(5)
    .describe('A candidate z is rejected if it splits the window into more anomalous sequences than this.'),
  useCalibratedFloor: z
    .boolean()
    .default(true)
    .describe(
      'Never let the live threshold fall below the value calibrated on held-out normal data, so a quiet stretch does not make ordinary noise alert.',
    ),
});

export const thresholdSchema = z
  .discriminatedUnion('type', [quantileThresholdSchema, meanKSigmaThresholdSchema, dynamicThresholdSchema])
  .superRefine((value, ctx) => {
    if (value.type !== 'dynamic') return;
    if (value.minScores > value.windowSize) {
      ctx.addIssue({
        code: 'custom',
        path: ['minScores'],
        message: `threshold.minScores (${value.minScores}) must not exceed threshold.windowSize (${value.windowSize}); lower minScores or widen the window`,
      });
    }
    if (value.zMin > value.zMax) {
      ctx.addIssue({
        code: 'custom',
        path: ['zMin'],
        message: `threshold.zMin (${value.zMin}) must not exceed threshold.zMax (${value.zMax})`,
      });
    }
  })
  .describe('How the threshold is calibrated from held-out normal scores at training time.');

export const thresholdOverrideSchema = z.strictObject({
  asset: assetPattern,
  threshold: z
    .number()
    .positive()
    .describe('Static threshold for the matching assets; it wins over the calibrated one.'),
});

export const flappingSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Whether flapping alerts are detected and damped.'),
    windowMs: z
      .int()
      .positive()
      .default(3_600_000)
      .describe(
        'Trailing window in which open and resolve transitions are counted; a flapping alert is also held open until no transition happened for this long.',
      ),
    maxTransitions: z
      .int()
      .min(2)
      .default(6)
      .describe(
        'An alert is flapping when more than this many open or resolve transitions fall in the window.',
      ),
  })
  .describe('Flapping detection and damping.');

export const alertsSchema = z
  .strictObject({
    minAboveMs: z
      .int()
      .min(0)
      .default(60_000)
      .describe('How long the ratio must stay at or above 1 before an alert opens, in milliseconds.'),
    staleAfterMs: z
      .int()
      .min(0)
      .default(600_000)
      .describe(
        'How long an asset with an open alert may send only incomplete windows (a data gap: a sensor stopped reporting, or unknown state) before the alert resolves with reason data_stale, in milliseconds; the data can no longer confirm or clear it. 0 never resolves an alert for stale data.',
      ),
    clearBelowMs: z
      .int()
      .min(0)
      .default(300_000)
      .describe(
        'How long the ratio must stay below the hysteresis factor before an alert resolves, in milliseconds; also how long an asset must be off or in maintenance before its open alert resolves.',
      ),
    hysteresis: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.8)
      .describe('An open alert only counts as clearing while the ratio is below this factor (below 1).'),
    fastClearRatio: z
      .number()
      .min(0)
      .lt(1)
      .default(0)
      .describe(
        'While the ratio is below this factor, an open alert resolves after fastClearMs below the hysteresis factor instead of clearBelowMs, so an alert whose cause is clearly gone closes sooner; 0 turns fast clearing off. Must be at most the hysteresis factor.',
      ),
    fastClearMs: z
      .int()
      .min(0)
      .default(0)
      .describe(
        'How long the ratio must stay below the hysteresis factor before an alert resolves while the ratio is below fastClearRatio, in milliseconds; at most clearBelowMs.',
      ),
    cooldownMs: z
      .int()
      .min(0)
      .default(600_000)
      .describe('After an alert resolves, no new alert opens on the asset for this many milliseconds.'),
    criticalRatio: z
      .number()
      .gt(1)
      .default(2)
      .describe('An alert is critical when the ratio reaches this value; below it, a warning.'),
    flapping: flappingSchema.prefault({}),
  })
  .superRefine((value, ctx) => {
    if (value.fastClearRatio > value.hysteresis) {
      ctx.addIssue({
        code: 'custom',
        path: ['fastClearRatio'],
        message: `alerts.fastClearRatio (${value.fastClearRatio}) must be at most alerts.hysteresis (${value.hysteresis}): fast clearing only shortens a run below the hysteresis factor; lower fastClearRatio or raise hysteresis`,
      });
    }
    if (value.fastClearMs > value.clearBelowMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['fastClearMs'],
        message: `alerts.fastClearMs (${value.fastClearMs}) must be at most alerts.clearBelowMs (${value.clearBelowMs}), or fast clearing would clear later than normal clearing; lower fastClearMs`,
      });
    }
    if (value.flapping.enabled && value.flapping.windowMs <= value.minAboveMs + value.clearBelowMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['flapping', 'windowMs'],
        message: `alerts.flapping.windowMs (${value.flapping.windowMs}) must be longer than alerts.minAboveMs + alerts.clearBelowMs (${value.minAboveMs + value.clearBelowMs}), or no flapping can ever be seen; widen the window or disable flapping`,
      });
    }
  })
  .describe('The alert lifecycle: when alerts open, escalate, resolve and reopen.');

const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof weekdays)[number];

const clockTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a 24-hour time "HH:MM"')
  .describe('Local wall-clock time as "HH:MM" (24-hour).');

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const intervalMaintenanceSchema = z
  .strictObject({
    type: z.literal('interval').describe('One explicit maintenance interval.'),
    asset: assetPattern,
    start: z.iso.datetime({ offset: true }).describe('Start of the interval, ISO 8601 with offset or `Z`.'),
    end: z.iso
      .datetime({ offset: true })
      .describe('End of the interval (exclusive), ISO 8601 with offset or `Z`.'),
    reason: z.string().optional().describe('Why the asset is in maintenance; shown to operators.'),
  })
  .refine((value) => Date.parse(value.end) > Date.parse(value.start), {
    message: 'maintenance end must be later than maintenance start',
    path: ['end'],
  });

const weeklyMaintenanceSchema = z
  .strictObject({
    type: z.literal('weekly').describe('A maintenance window that recurs every week.'),
    asset: assetPattern,
    days: z
      .array(z.enum(weekdays))
      .min(1)
      .describe('Days of the week on which the window starts (`mon` … `sun`).'),
    from: clockTime,
    to: clockTime.describe(
      'Local end time "HH:MM" (exclusive); earlier than `from` means the window runs past midnight into the next day.',
    ),
    timezone: z
      .string()
      .default('UTC')
      .refine(isTimeZone, 'must be an IANA time zone such as "Europe/Berlin"')
      .describe('IANA time zone the days and times are read in.'),
    reason: z.string().optional().describe('Why the asset is in maintenance; shown to operators.'),
  })
  .refine((value) => value.from !== value.to, {
    message: 'maintenance from and to must differ (the window would be empty)',
    path: ['to'],
  });

export const maintenanceWindowSchema = z
  .discriminatedUnion('type', [intervalMaintenanceSchema, weeklyMaintenanceSchema])
  .describe('A maintenance window during which the asset is neither alerted on nor resolved by data.');

export const silenceSchema = z
  .strictObject({
    assetPattern: assetPattern,
    untilMs: z.int().describe('End of the silence, milliseconds since the Unix epoch (exclusive).'),
    reason: z.string().min(1).describe('Why the asset is silenced; shown to operators.'),
    createdBy: z.string().min(1).describe('Who created the silence.'),
  })
  .describe('A silence: no alert opens or escalates on matching assets until it expires.');

export const machineOffRuleSchema = z
  .strictObject({
    asset: assetPattern,
    channel: z
      .string()
      .min(1)
      .describe('Channel whose raw value (newest frame) decides whether the machine is off.'),
    below: z.number().optional().describe('The machine is off while the channel value is below this.'),
    above: z.number().optional().describe('The machine is off while the channel value is above this.'),
  })
  .superRefine((value, ctx) => {
    if (value.below === undefined && value.above === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['below'],
        message: `machineOff rule for channel "${value.channel}" needs machineOff.below or machineOff.above`,
      });
    }
    if (value.below !== undefined && value.above !== undefined && value.below > value.above) {
      ctx.addIssue({
        code: 'custom',
        path: ['above'],
        message: `machineOff.below (${value.below}) must not exceed machineOff.above (${value.above}); the machine runs between the two`,
      });
    }
  });

export const detectorConfigSchema = z
  .strictObject({
    scoring: scoringSchema.prefault({}),
    threshold: thresholdSchema.prefault({ type: 'quantile' }),
    overrides: z
      .array(thresholdOverrideSchema)
      .default([])
      .describe(
        'Static per-asset thresholds. An exact asset id wins over a glob; among globs, the first in the list wins.',
      ),
    alerts: alertsSchema.prefault({}),
    maintenance: z.array(maintenanceWindowSchema).default([]).describe('Maintenance windows per asset.'),
    silences: z
      .array(silenceSchema)
      .default([])
      .describe('Silences known at start-up; more can be added at run time through the API.'),
    machineOff: z
      .array(machineOffRuleSchema)
      .default([])
      .describe('Machine-off conditions per asset pattern; an asset is off while any matching rule says so.'),
    channelSilentAfterMs: z
      .int()
      .min(0)
      .default(300_000)
      .describe(
        'How long a channel may have no value in the frames of an asset whose other channels report (event time) before the asset gets a data_quality event (channel_silent; channel_restored when values return), in milliseconds. The event is stored, shown on the page and API with the alerts, and sent to webhook endpoints that list data_quality in their events. 0 turns it off.',
      ),
    topChannels: z
      .int()
      .positive()
      .default(3)
      .describe('How many top contributing channels every score and alert carries.'),
  })
  .describe('Scoring, thresholds, alert lifecycle and suppression.');

export type DetectorConfig = z.infer<typeof detectorConfigSchema>;
export type ScoringConfig = z.infer<typeof scoringSchema>;
export type ReanchorConfig = z.infer<typeof reanchorSchema>;
export type ThresholdConfig = z.infer<typeof thresholdSchema>;
export type ThresholdOverride = z.infer<typeof thresholdOverrideSchema>;
export type AlertsConfig = z.infer<typeof alertsSchema>;
export type MaintenanceWindow = z.infer<typeof maintenanceWindowSchema>;
export type Silence = z.infer<typeof silenceSchema>;
export type MachineOffRule = z.infer<typeof machineOffRuleSchema>;
