// Options of a simulation run (`gruwatch simulate`): the plant, its anomalies
// and where the readings go. The schema is the type, the validator, the
// defaults and the docs; the CLI maps its flags onto it.
import { z } from 'zod';
import { secretSchema } from '../../core/index.js';
import { anomalyKinds, anomalySpecSchema } from './anomaly.js';
import { assetKinds } from './assets/asset-model.js';

const mqttTargetSchema = z
  .strictObject({
    type: z.literal('mqtt').describe('Publish to an MQTT broker with QoS 1.'),
    url: z
      .string()
      .regex(
        /^(mqtts?|wss?|tcp|ssl):\/\/[^/]+/,
        'Use a broker URL such as mqtt://host:1883 or mqtts://host:8883.',
      )
      .describe('Broker URL: mqtt://host:port, or mqtts://host:port for TLS.'),
    format: z
      .enum(['json', 'sparkplug-b'])
      .default('json')
      .describe(
        'Payload format: json (one message per asset per tick with all channels) or sparkplug-b (one edge node, one device per asset).',
      ),
    topicTemplate: z
      .string()
      .min(1)
      .regex(/^[^+#]+$/, 'A publish topic must not contain wildcards.')
      .default('plants/{site}/{asset}/telemetry')
      .describe('JSON format: topic of each message; {site} and {asset} are replaced.'),
    site: z
      .string()
      .min(1)
      .regex(/^[^/+#]+$/)
      .default('site-1')
      .describe('JSON format: the value of {site} in the topic.'),
    group: z
      .string()
      .min(1)
      .regex(/^[^/+#]+$/)
      .default('plant')
      .describe('Sparkplug B: the group id (spBv1.0/{group}/…).'),
    edgeNode: z
      .string()
      .min(1)
      .regex(/^[^/+#]+$/)
      .default('simulator')
      .describe('Sparkplug B: the edge node id; every asset is a device of this node.'),
    clientId: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .describe('MQTT client id (default: gruwatch-simulator-<random>).'),
    username: z.string().min(1).optional().describe('User name for broker authentication.'),
    password: secretSchema
      .optional()
      .describe('Password for broker authentication (a secret: literal, { env } or { file }).'),
    caFile: z
      .string()
      .min(1)
      .optional()
      .describe('PEM file with the certificate authorities to trust (mqtts).'),
    protocolVersion: z
      .union([z.literal(5), z.literal(4)])
      .default(5)
      .describe('MQTT protocol version: 5 or 4 (3.1.1).'),
  })
  .describe('MQTT target.');

const kafkaTargetSchema = z
  .strictObject({
    type: z.literal('kafka').describe('Produce to Kafka: key = asset id, value = the JSON message.'),
    brokers: z.array(z.string().min(1)).min(1).describe('Bootstrap brokers, host:port.'),
    topic: z.string().min(1).default('gruwatch.telemetry').describe('Topic the messages are produced to.'),
    clientId: z.string().min(1).default('gruwatch-simulator').describe('Kafka client id.'),
  })
  .describe('Kafka target.');

const csvTargetSchema = z
  .strictObject({
    type: z.literal('csv').describe('Write one SKAB-layout CSV file per asset.'),
    dir: z
      .string()
      .min(1)
      .describe('Directory of the CSV files (created if missing); files are <assetId>.csv.'),
  })
  .describe('CSV target.');

export const simulateTargetSchema = z
  .discriminatedUnion('type', [mqttTargetSchema, kafkaTargetSchema, csvTargetSchema])
  .describe('Where the readings go; `type` selects mqtt, kafka or csv.');

export const simulateAnomaliesSchema = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('none').describe('Normal operation only.') }),
    z.strictObject({
      type: z.literal('schedule').describe('Inject exactly the listed anomalies.'),
      items: z.array(anomalySpecSchema).describe('The anomalies, in any order.'),
    }),
    z.strictObject({
      type: z.literal('random').describe('Draw anomalies at random as the run goes (from the seed).'),
      ratePerHour: z
        .number()
        .positive()
        .describe('Mean number of anomalies per asset per hour of simulated time.'),
      kinds: z
        .array(z.enum(anomalyKinds))
        .min(1)
        .default([...anomalyKinds])
        .describe('Kinds to draw from, uniformly (default: all).'),
    }),
  ])
  .describe('Which anomalies are planted.');

export const simulateOptionsSchema = z
  .strictObject({
    assets: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(3)
      .describe('Number of assets; ids are <kind>-001, <kind>-002, …'),
    kind: z.enum(assetKinds).default('pump').describe('Machine kind of every asset: pump or fan.'),
    assetIdPrefix: z
      .string()
      .min(1)
      .regex(/^[^/+#]+$/)
      .optional()
      .describe('Prefix of the asset ids instead of the kind, e.g. "line3-pump".'),
    seed: z
      .number()
      .int()
      .min(0)
      .max(4_294_967_295)
      .default(1)
      .describe('Seed of every random draw; the same seed repeats a run bit for bit.'),
    periodMs: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        'Sampling period: time between two ticks (one reading per channel per asset), in ms. Default 1000.',
      ),
    rateHz: z
      .number()
      .positive()
      .max(1000)
      .optional()
      .describe('Ticks per second instead of periodMs (periodMs = 1000 / rateHz, rounded).'),
    startMs: z
      .number()
      .int()
      .optional()
      .describe('Time of the first tick, ms since the epoch. Default: now, rounded up to the period.'),
    durationMs: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Simulated time to run, ms. Unset: until stopped.'),
    pace: z
      .enum(['realtime', 'fast'])
      .optional()
      .describe(
        'realtime publishes each tick when the wall clock reaches its timestamp; fast computes and writes as fast as possible. Default: fast for csv, realtime otherwise.',
      ),
    anomalies: simulateAnomaliesSchema.default({ type: 'none' }),
    target: simulateTargetSchema,
    labelsFile: z
      .string()
      .min(1)
      .optional()
      .describe(
        'File the ground-truth labels are written to, one JSON object per line, as each anomaly begins.',
      ),
  })
  .refine((o) => o.periodMs === undefined || o.rateHz === undefined, {
    message: 'Set `periodMs` or `rateHz`, not both (rateHz = 1000 / periodMs).',
    path: ['rateHz'],
  })
  .refine((o) => o.durationMs !== undefined || o.target.type !== 'csv' || o.pace === 'realtime', {
    message: 'A csv target at fast pace needs `durationMs`: otherwise it would write without end.',
    path: ['durationMs'],
  })
  .describe('A plant simulation run.');

export type SimulateOptions = z.infer<typeof simulateOptionsSchema>;
export type SimulateOptionsInput = z.input<typeof simulateOptionsSchema>;
export type SimulateTarget = z.infer<typeof simulateTargetSchema>;

/** The sampling period a run uses, from periodMs or rateHz. */
export function resolvePeriodMs(options: SimulateOptions): number {
  if (options.periodMs !== undefined) return options.periodMs;
  if (options.rateHz !== undefined) return Math.max(1, Math.round(1000 / options.rateHz));
  return 1000;
}
