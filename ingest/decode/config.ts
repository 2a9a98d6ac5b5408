// Decoder configuration: one zod schema, discriminated on `type`, that is the
// type, the validator, the defaults and the docs of every payload decoder.
import { z } from 'zod';

/** 2000-01-01T00:00:00Z: no plant sensor of ours reports earlier data. */
const year2000Ms = 946_684_800_000;

const dottedPath = z
  .string()
  .min(1)
  .regex(/^[^.]+(\.[^.]+)*$/, 'Use a dotted path such as "reading.value" without empty segments.');

/** Options every decoder shares: payload size and timestamp sanity limits. */
const commonShape = {
  maxPayloadBytes: z
    .number()
    .int()
    .positive()
    .default(4 * 1024 * 1024)
    .describe(
      'Largest payload in bytes the decoder accepts. Larger messages are rejected with reason payload_too_large before any parsing.',
    ),
  earliestTimestampMs: z
    .number()
    .int()
    .default(year2000Ms)
    .describe(
      'Earliest plausible reading time in milliseconds since the Unix epoch (default 2000-01-01T00:00:00Z). Earlier timestamps are rejected with reason invalid_timestamp.',
    ),
  maxFutureSkewMs: z
    .number()
    .int()
    .nonnegative()
    .default(300_000)
    .describe(
      "How far in milliseconds a reading time may lie ahead of the time the message was received (default five minutes). Later timestamps are rejected with reason invalid_timestamp and dead-lettered: accepted, such a reading would move its asset's event time ahead and make its real readings late.",
    ),
};

export const timestampUnitSchema = z
  .enum(['auto', 's', 'ms', 'us', 'ns', 'iso'])
  .describe(
    'Unit of numeric timestamps: s, ms, us or ns since the Unix epoch; iso accepts only ISO 8601 strings with a time zone; auto detects the unit of a number by its magnitude and also accepts ISO 8601 strings.',
  );

export const jsonDecoderConfigSchema = z.strictObject({
  type: z
    .literal('json')
    .describe(
      'Decodes JSON payloads: one reading, an array of readings, or one object with several channels.',
    ),
  assetField: dottedPath
    .default('asset')
    .describe(
      'Dotted path of the asset id in a reading object. When absent from the payload, the topic field named by topicAssetField is used.',
    ),
  channelField: dottedPath
    .default('channel')
    .describe(
      'Dotted path of the channel name in a single-channel reading object. When absent, the topic field named by topicChannelField is used.',
    ),
  valueField: dottedPath
    .default('value')
    .describe('Dotted path of the measured value in a single-channel reading object.'),
  timestampField: dottedPath.default('ts').describe('Dotted path of the reading time in a reading object.'),
  channelsField: dottedPath
    .default('values')
    .describe(
      'Dotted path of an object that maps channel names to values, for messages that carry several channels of one asset at one time. An object holding this path is decoded as a multi-channel reading.',
    ),
  readingsField: dottedPath
    .optional()
    .describe(
      'Dotted path of an array of readings inside a top-level object, for batches wrapped in an envelope. Leave unset when the batch is a top-level array.',
    ),
  topicAssetField: z
    .string()
    .min(1)
    .default('asset')
    .describe(
      'Name of the topic template field that holds the asset id when the payload does not name the asset.',
    ),
  topicChannelField: z
    .string()
    .min(1)
    .default('channel')
    .describe(
      'Name of the topic template field that holds the channel when the payload does not name the channel.',
    ),
  shouldUseKeyAsAsset: z
    .boolean()
    .default(true)
    .describe('Whether the Kafka message key names the asset when neither the payload nor the topic does.'),
  timestampUnit: timestampUnitSchema.default('auto'),
  isTimestampRequired: z
    .boolean()
    .default(true)
    .describe(
      'Whether a reading without a timestamp is rejected. When false, such a reading takes the time the message was received.',
    ),
  shouldParseNumericStrings: z
    .boolean()
    .default(false)
    .describe(
      'Whether values given as numeric strings such as "12.5" are accepted. When false, every string value is rejected.',
    ),
  ...commonShape,
});

export const influxLineDecoderConfigSchema = z.strictObject({
  type: z
    .literal('influx-line')
    .describe('Decodes InfluxDB line protocol: one or more lines per message, each field a channel.'),
  assetTag: z
    .string()
    .min(1)
    .optional()
    .describe('Name of the tag that holds the asset id. When unset, the measurement name is the asset id.'),
  shouldPrefixChannelWithMeasurement: z
    .boolean()
    .default(false)
    .describe(
      'Whether the channel name is "<measurement>.<field>" instead of the field key alone; useful with assetTag when one asset reports several measurements.',
    ),
  timestampPrecision: z
    .enum(['s', 'ms', 'us', 'ns'])
    .default('ns')
    .describe('Precision of line timestamps, as the InfluxDB write API precision parameter (default ns).'),
  isTimestampRequired: z
    .boolean()
    .default(false)
    .describe(
      'Whether a line without a timestamp is rejected. Line protocol allows omitting it, so by default such a line takes the time the message was received.',
    ),
  ...commonShape,
});

const templateFields = /\{(group|edge|device)\}/g;

export const sparkplugDecoderConfigSchema = z
  .strictObject({
    type: z
      .literal('sparkplug-b')
      .describe(
        'Decodes Sparkplug B (spBv1.0) payloads, tracking births, aliases and sequence numbers per edge node.',
      ),
    groupIds: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'Sparkplug group ids to decode. Messages of other groups are ignored without an issue. An empty list decodes every group.',
      ),
    nodeAssetTemplate: z
      .string()
      .min(1)
      .default('{group}/{edge}')
      .describe('How the asset id of edge node metrics is formed from {group} and {edge}.'),
    deviceAssetTemplate: z
      .string()
      .min(1)
      .default('{group}/{edge}/{device}')
      .describe('How the asset id of device metrics is formed from {group}, {edge} and {device}.'),
    isRebirthRequested: z
      .boolean()
      .default(true)
      .describe(
        'Whether the decoder asks an edge node to rebirth (an NCMD with Node Control/Rebirth = true) after a sequence gap or when data arrives from a node whose birth it has not seen.',
      ),
    rebirthIntervalMs: z
      .number()
      .int()
      .nonnegative()
      .default(5_000)
      .describe('Least time in milliseconds between two rebirth requests to the same edge node.'),
    isTimestampRequired: z
      .boolean()
      .default(true)
      .describe(
        'Whether a metric without its own timestamp and without a payload timestamp is dropped. When false, it takes the time the message was received.',
      ),
    ...commonShape,
  })
  .refine(
    (c) =>
      c.nodeAssetTemplate.replace(templateFields, '').indexOf('{') === -1 &&
      !c.nodeAssetTemplate.includes('{device}'),
    {
      message: 'nodeAssetTemplate may use only {group} and {edge}; node metrics have no device.',
      path: ['nodeAssetTemplate'],
    },
  )
  .refine((c) => c.deviceAssetTemplate.replace(templateFields, '').indexOf('{') === -1, {
    message: 'deviceAssetTemplate may use only {group}, {edge} and {device}.',
    path: ['deviceAssetTemplate'],
  });

export const decoderConfigSchema = z
  .discriminatedUnion('type', [
    jsonDecoderConfigSchema,
    influxLineDecoderConfigSchema,
    sparkplugDecoderConfigSchema,
  ])
  .describe('How message payloads are decoded into readings; `type` selects the format.');

export type DecoderConfig = z.infer<typeof decoderConfigSchema>;
export type DecoderConfigInput = z.input<typeof decoderConfigSchema>;
export type JsonDecoderConfig = z.infer<typeof jsonDecoderConfigSchema>;
export type InfluxLineDecoderConfig = z.infer<typeof influxLineDecoderConfigSchema>;
export type SparkplugDecoderConfig = z.infer<typeof sparkplugDecoderConfigSchema>;
export type TimestampUnit = z.infer<typeof timestampUnitSchema>;
