// The `retraining` section of the gruwatch configuration: when `gruwatch run`
// retrains each model, on which data, and when a candidate may replace the
// current model. One default for every model, with per-model overrides.
import { Cron } from 'croner';
import { z } from 'zod';

const minuteMs = 60_000;
const dayMs = 86_400_000;

const cronExpression = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    try {
      new Cron(value, { paused: true });
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        message: `not a valid cron expression (${(err as Error).message}); e.g. "0 3 * * *" for 03:00 every day`,
      });
    }
  });

export const promotionPolicySchema = z
  .strictObject({
    mode: z
      .enum(['auto', 'manual'])
      .default('auto')
      .describe(
        'auto: a candidate that passes validation (and its shadow period) becomes current at once; manual: it waits for `gruwatch models promote` or the page.',
      ),
    maxFalseAlarmRateIncrease: z
      .number()
      .min(0)
      .max(1)
      .default(0.005)
      .describe(
        "How much higher the candidate's false-alarm rate on the held-out normal data may be than the current model's (both at their own thresholds), as a fraction of windows.",
      ),
    maxErrorRatio: z
      .number()
      .min(1)
      .default(1.1)
      .describe(
        "Largest allowed ratio of the candidate's mean reconstruction error on the held-out normal data to the current model's.",
      ),
    maxIncidentRecallDrop: z
      .number()
      .min(0)
      .max(1)
      .default(0)
      .describe(
        'Where operators marked periods as not normal, how much lower the share of those windows the candidate flags may be than the current model’s.',
      ),
    maxFalseAlarmRate: z
      .number()
      .min(0)
      .max(1)
      .default(0.1)
      .describe(
        'Largest false-alarm rate on the held-out normal data a candidate may have when there is no current model to compare with (the first model of an asset group).',
      ),
  })
  .describe('When a retrained candidate may replace the current model.');

export const retrainingSettingsSchema = z.strictObject({
  everyMs: z
    .int()
    .min(10_000)
    .optional()
    .describe('Retrain every this many milliseconds after start-up; give this or `cron`.'),
  cron: cronExpression
    .optional()
    .describe(
      'Retrain on this cron schedule (5 or 6 fields, e.g. "0 3 * * 0" for Sundays 03:00); give this or `everyMs`.',
    ),
  timezone: z.string().default('UTC').describe('Time zone of the cron schedule (IANA name).'),
  lookbackMs: z
    .int()
    .min(minuteMs)
    .default(7 * dayMs)
    .describe("How far back from an asset's newest stored frame the training data reaches."),
  source: z
    .enum(['store', 'influxdb'])
    .default('store')
    .describe(
      'Where the frames and alerts are read from: the embedded store, or InfluxDB through InfluxQL (the first `influxdb` sink).',
    ),
  minWindows: z
    .int()
    .min(10)
    .default(200)
    .describe(
      'Fewest clean complete windows (after every exclusion) a retrain needs; with fewer it is skipped.',
    ),
  maxWindows: z
    .int()
    .min(10)
    .default(20_000)
    .describe(
      'Most windows trained on; longer lookbacks are thinned evenly, so training time stays bounded.',
    ),
  alertMarginBeforeMs: z
    .int()
    .min(0)
    .default(30 * minuteMs)
    .describe('Excluded before each alert opened: a fault starts before its alert does.'),
  alertMarginAfterMs: z
    .int()
    .min(0)
    .default(30 * minuteMs)
    .describe('Excluded after each alert resolved: a machine recovers after its alert clears.'),
  validationFraction: z
    .number()
    .gt(0)
    .lt(1)
    .default(0.2)
    .describe(
      "Newest share of each asset's clean data, held out from training and calibration, on which the candidate and the current model are compared.",
    ),
  warmStart: z
    .boolean()
    .default(true)
    .describe(
      "Start training from the current model's weights (same shape) instead of a fresh initialisation.",
    ),
  promotion: promotionPolicySchema.prefault({}),
  shadowMs: z
    .int()
    .min(0)
    .default(0)
    .describe(
      'Run an accepted candidate in shadow on live data for this long before promotion, counting the alerts it would have opened; 0 promotes without a shadow period.',
    ),
});

const retrainingOverrideSchema = retrainingSettingsSchema
  .partial()
  .extend({ enabled: z.boolean().optional().describe('Turns retraining of this model on or off.') })
  .describe('Settings for one model that replace the defaults key by key.');

export const retrainingConfigSchema = retrainingSettingsSchema
  .extend({
    enabled: z
      .boolean()
      .default(false)
      .describe('Retrain the models of `gruwatch run` on a schedule, on new normal data.'),
    checkIntervalMs: z
      .int()
      .min(500)
      .default(5_000)
      .describe(
        'How often the running service looks at the model registry for a `current` version changed from outside (`gruwatch models promote|rollback`).',
      ),
    keepVersions: z
      .int()
      .min(1)
      .default(10)
      .describe(
        'Model versions kept per model in the registry: the newest this many, plus always the current one, the one that served before it (the rollback target) and a candidate awaiting approval or in shadow. Older versions are removed after each retraining run.',
      ),
    maxRunMs: z
      .int()
      .min(10_000)
      .default(2 * 3_600_000)
      .describe(
        'Longest a retraining run may take; a run still going after this long is killed, counted in `retrain_timeouts_total` and recorded as failed (the current model keeps serving).',
      ),
    models: z
      .record(z.string(), retrainingOverrideSchema)
      .default({})
      .describe('Per model name (an asset group’s `model`): settings that replace the defaults.'),
  })
  .superRefine((value, ctx) => {
    const check = (
      settings: { everyMs?: number | undefined; cron?: string | undefined },
      path: (string | number)[],
    ) => {
      if (settings.everyMs !== undefined && settings.cron !== undefined)
        ctx.addIssue({ code: 'custom', message: 'give either everyMs or cron, not both', path });
    };
    check(value, []);
    for (const [name, override] of Object.entries(value.models)) check(override, ['models', name]);
    if (value.enabled && value.everyMs === undefined && value.cron === undefined) {
      const everyModelHasOne = Object.keys(value.models).length > 0;
      if (!everyModelHasOne)
        ctx.addIssue({
          code: 'custom',
          message: 'retraining is enabled but has no schedule; set retraining.everyMs or retraining.cron',
          path: ['everyMs'],
        });
    }
  })
  .describe('Scheduled retraining on curated new normal data, validated before it replaces a model.');

export type RetrainingConfig = z.infer<typeof retrainingConfigSchema>;
export type RetrainingSettings = z.infer<typeof retrainingSettingsSchema> & { enabled: boolean };
export type PromotionPolicy = z.infer<typeof promotionPolicySchema>;

/** The settings of one model: the defaults with its override applied key by key. */
export function retrainingSettingsFor(config: RetrainingConfig, model: string): RetrainingSettings {
  const { models, checkIntervalMs: _, keepVersions: _k, maxRunMs: _m, ...defaults } = config;
  const override = models[model] ?? {};
  const merged = {
    ...defaults,
    ...override,
    promotion: { ...defaults.promotion, ...(override.promotion ?? {}) },
  };
  // An override that sets one kind of schedule replaces the other kind.
  if (override.everyMs !== undefined) delete merged.cron;
  if (override.cron !== undefined) delete merged.everyMs;
  return merged as RetrainingSettings;
}
