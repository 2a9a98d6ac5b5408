// The `ingest` section of the configuration: transports (MQTT, Kafka), the
// decoder, the asset → channel layout, the alignment grid, windows and dead
// letters. The schema is the type, the validator, the defaults and the docs.
import { z } from 'zod';
import { secretSchema } from '../core/index.js';
import { decoderConfigSchema } from './decode/config.js';
import { checkTopicTemplate } from './mqtt/topic-map.js';

const tlsFilesShape = {
  caFile: z
    .string()
    .min(1)
    .optional()
    .describe('Path of a PEM file with the certificate authorities to trust for the broker.'),
  certFile: z
    .string()
    .min(1)
    .optional()
    .describe('Path of the PEM client certificate, for brokers that require mutual TLS.'),
  keyFile: z.string().min(1).optional().describe('Path of the PEM private key that belongs to certFile.'),
  isServerVerified: z
    .boolean()
    .default(true)
    .describe(
      'Whether the broker certificate must be valid and match the host name. Turn off only for testing.',
    ),
};

export const tlsSchema = z
  .strictObject(tlsFilesShape)
  .refine((tls) => (tls.certFile === undefined) === (tls.keyFile === undefined), {
    message: '`tls.certFile` and `tls.keyFile` go together: set both for a client certificate, or neither.',
    path: ['certFile'],
  })
  .describe('TLS settings; when present, the connection uses TLS.');

export const mqttReconnectSchema = z
  .strictObject({
    initialDelayMs: z
      .number()
      .int()
      .positive()
      .default(500)
      .describe('Delay before the first reconnect attempt, in milliseconds.'),
    maxDelayMs: z
      .number()
      .int()
      .positive()
      .default(30_000)
      .describe('Upper bound of the reconnect delay, in milliseconds.'),
    multiplier: z
      .number()
      .min(1)
      .default(2)
      .describe('Factor by which the delay grows after each failed attempt.'),
  })
  .refine((r) => r.initialDelayMs <= r.maxDelayMs, {
    message:
      '`reconnect.initialDelayMs` must not exceed `reconnect.maxDelayMs`; raise maxDelayMs or lower initialDelayMs.',
  })
  .describe('Reconnect back-off: the delay doubles (by multiplier) from initialDelayMs up to maxDelayMs.');

/** Messages one connection takes before acknowledging the first, unless configured (one connection). */
export const defaultReceiveMaximum = 100;

/** The window of unacknowledged messages per connection: configured, else by the number of connections. */
export function receiveMaximumOf(config: Pick<MqttConfig, 'receiveMaximum' | 'connections'>): number {
  return config.receiveMaximum ?? (config.connections > 1 ? 1 : defaultReceiveMaximum);
}

export const mqttConfigSchema = z
  .strictObject({
    url: z
      .string()
      .regex(
        /^(mqtts?|wss?|tcp|ssl):\/\/[^/]+/,
        'Use a broker URL such as mqtt://host:1883 or mqtts://host:8883.',
      )
      .describe('Broker URL: mqtt://host:port, or mqtts://host:port for TLS.'),
    protocolVersion: z
      .union([z.literal(5), z.literal(4)])
      .default(5)
      .describe('MQTT protocol version: 5 for MQTT 5, 4 for MQTT 3.1.1.'),
    clientId: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .describe(
        'Client identifier. Must be fixed and unique per gruwatch instance for a persistent session.',
      ),
    isSessionPersistent: z
      .boolean()
      .default(true)
      .describe(
        'Whether the broker keeps the session (subscriptions and unacknowledged QoS 1 messages) while gruwatch is disconnected, so readings published during a restart are delivered afterwards.',
      ),
    sessionExpirySecs: z
      .number()
      .int()
      .nonnegative()
      .max(4_294_967_295)
      .default(86_400)
      .describe(
        'MQTT 5 only: how long the broker keeps a persistent session after gruwatch disconnects, in seconds.',
      ),
    topics: z
      .array(
        z
          .string()
          .superRefine((t, ctx) => {
            const problem = checkTopicTemplate(t);
            if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
          })
          .describe(
            'A topic template such as plants/{site}/{asset}/{channel}; {field} levels name topic fields, + and # are wildcards.',
          ),
      )
      .min(1)
      .describe(
        'Topic templates to subscribe to; the first template that matches a received topic provides its fields.',
      ),
    qos: z
      .union([z.literal(0), z.literal(1)])
      .default(1)
      .describe(
        'Subscription QoS. 1 (at least once) is needed for the no-loss guarantee; 0 may lose messages.',
      ),
    sharedGroup: z
      .string()
      .regex(/^[^/+#]+$/, 'A share group name must not contain /, + or #.')
      .optional()
      .describe(
        "MQTT 5 shared subscription group: instances with the same group split the messages ($share/{group}/{filter}). The broker balances per message, not per asset, so `ingest` refuses it (windows need all of an asset's readings in one instance): scale out with `gruwatch bridge` into Kafka or with a topic filter per instance.",
      ),
    connections: z
      .int()
      .min(1)
      .max(64)
      .default(1)
      .describe(
        "Connections this instance opens to the broker. One connection takes up to `receiveMaximum` messages before acknowledging the first, in order, and they share store transactions: that is the default and the fastest. Several connections each take one message at a time (`receiveMaximum` 1); the deliveries that arrive together on them share one transaction. With more than 1 (MQTT 5), every filter is subscribed as `$share/{clientId}/{filter}`, a share group of this instance's own, so the broker spreads the messages over its connections: connection 0 keeps `clientId` and carries the status topic and the MQTT dead letters, connection i uses `{clientId}-{i}` (each its own persistent session). An asset's messages may then be handled out of order across connections: the aligner's `ingest.align.latenessMs` (event time) absorbs that, and a reading further behind the watermark than that is counted as late. Cannot be combined with `sharedGroup`. Lowering it with persistent sessions needs the steps in ingest/mqtt/README.md (the sessions of the connections no longer opened stay in the share group until they expire).",
      ),
    receiveMaximum: z
      .int()
      .min(1)
      .max(65_535)
      .optional()
      .describe(
        `Messages one connection takes before the first of them is acknowledged (default ${defaultReceiveMaximum} with one connection, 1 with several). Each PUBACK is sent only once its message's effects are committed, and in the order the broker sent them; the deliveries taken meanwhile share one store transaction (one fsync), which is what lets one connection carry more than one message per commit. Sent to MQTT 5 brokers as the Receive Maximum; an MQTT 3.1.1 broker applies its own cap below it (Mosquitto's \`max_inflight_messages\`, 20 by default). With several \`connections\` it must be 1: each connection would run ahead of the others by up to this many messages, which during a backlog puts an asset's readings out of order by more than \`ingest.align.latenessMs\`.`,
      ),
    username: z.string().min(1).optional().describe('User name for broker authentication.'),
    password: secretSchema
      .optional()
      .describe('Password for broker authentication (a secret: literal, { env } or { file }).'),
    tls: tlsSchema.optional(),
    keepaliveSecs: z.number().int().nonnegative().default(30).describe('MQTT keepalive interval in seconds.'),
    connectTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe('Time allowed for one connection attempt, in milliseconds.'),
    reconnect: mqttReconnectSchema.default({ initialDelayMs: 500, maxDelayMs: 30_000, multiplier: 2 }),
    statusTopic: z
      .string()
      .min(1)
      .regex(/^[^+#]+$/, 'The status topic must not contain wildcards.')
      .optional()
      .describe(
        'Retained topic where gruwatch publishes "online" on connect; the broker publishes the will "offline" if the connection is lost. Defaults to gruwatch/status/{clientId}.',
      ),
  })
  .superRefine((m, ctx) => {
    if (m.isSessionPersistent && m.clientId === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['clientId'],
        message:
          '`mqtt.isSessionPersistent` requires a fixed `mqtt.clientId` (the broker finds the session by it); set clientId or set isSessionPersistent: false.',
      });
    }
    if (m.sharedGroup !== undefined && m.protocolVersion !== 5) {
      ctx.addIssue({
        code: 'custom',
        path: ['sharedGroup'],
        message:
          '`mqtt.sharedGroup` needs `mqtt.protocolVersion: 5` (shared subscriptions are an MQTT 5 feature); set protocolVersion: 5 or remove sharedGroup.',
      });
    }
    if (m.connections > 1 && m.protocolVersion !== 5) {
      ctx.addIssue({
        code: 'custom',
        path: ['connections'],
        message: `\`mqtt.connections: ${m.connections}\` spreads the messages over the connections with a shared subscription, an MQTT 5 feature; set protocolVersion: 5 or connections: 1.`,
      });
    }
    if (m.connections > 1 && m.receiveMaximum !== undefined && m.receiveMaximum > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['receiveMaximum'],
        message: `\`mqtt.receiveMaximum: ${m.receiveMaximum}\` with \`connections: ${m.connections}\`: each connection would run ahead of the others by up to that many messages, and during a backlog an asset's readings would arrive out of order by more than the aligner's lateness and be dropped as late. Use connections: 1 (which takes ${defaultReceiveMaximum} messages at a time by default), or remove receiveMaximum.`,
      });
    }
    if (m.connections > 1 && m.sharedGroup !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['connections'],
        message:
          "`mqtt.connections` > 1 shares the messages among this instance's connections in a group of its own (named after clientId), so it cannot also join `mqtt.sharedGroup`; remove sharedGroup or set connections: 1.",
      });
    }
    if ((m.username === undefined) !== (m.password === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['password'],
        message: '`mqtt.username` and `mqtt.password` go together; set both or neither.',
      });
    }
  })
  .describe('Read readings from an MQTT broker.');

export const saslSchema = z
  .discriminatedUnion('mechanism', [
    z.strictObject({
      mechanism: z.literal('plain').describe('SASL PLAIN (use only with TLS).'),
      username: z.string().min(1).describe('SASL user name.'),
      password: secretSchema.describe('SASL password (a secret).'),
    }),
    z.strictObject({
      mechanism: z.literal('scram-sha-256').describe('SASL SCRAM-SHA-256.'),
      username: z.string().min(1).describe('SASL user name.'),
      password: secretSchema.describe('SASL password (a secret).'),
    }),
    z.strictObject({
      mechanism: z.literal('scram-sha-512').describe('SASL SCRAM-SHA-512.'),
      username: z.string().min(1).describe('SASL user name.'),
      password: secretSchema.describe('SASL password (a secret).'),
    }),
  ])
  .describe('SASL authentication.');

export const kafkaConfigSchema = z
  .strictObject({
    brokers: z
      .array(z.string().regex(/^[^:/\s]+:\d+$/, 'Write a broker as host:port.'))
      .min(1)
      .describe('Bootstrap brokers as host:port.'),
    clientId: z
      .string()
      .min(1)
      .default('gruwatch')
      .describe('Kafka client id, shown in broker logs and quotas.'),
    groupId: z
      .string()
      .min(1)
      .describe('Consumer group: instances with the same group split the partitions.'),
    topics: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe(
        'Topics to consume. Set this or topicPattern. Every topic keyed by asset id with the same partition count (co-partitioned), as the state changelog is: an asset is on the same partition number in each.',
      ),
    topicPattern: z
      .string()
      .min(1)
      .superRefine((p, ctx) => {
        try {
          new RegExp(p);
        } catch (err) {
          ctx.addIssue({
            code: 'custom',
            message: `not a valid regular expression: ${(err as Error).message}`,
          });
        }
      })
      .optional()
      .describe(
        'Regular expression; every existing topic whose name matches is consumed. Set this or topics.',
      ),
    isFromBeginning: z
      .boolean()
      .default(false)
      .describe(
        'Where a new consumer group starts: at the earliest retained record (true) or at new records only (false).',
      ),
    maxInFlight: z
      .number()
      .int()
      .positive()
      .default(1000)
      .describe(
        'Records handed to the pipeline but not yet completed, over all partitions; above it partitions are paused.',
      ),
    commitIntervalMs: z
      .number()
      .int()
      .nonnegative()
      .default(1000)
      .describe(
        'How often completed offsets are committed, in milliseconds (0 commits after every completed record).',
      ),
    sessionTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(30_000)
      .describe('Consumer group session timeout, in milliseconds.'),
    heartbeatIntervalMs: z
      .number()
      .int()
      .positive()
      .default(3_000)
      .describe('Consumer heartbeat interval, in milliseconds.'),
    connectionTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe('Time allowed to connect to a broker, in milliseconds.'),
    deadLetterTopic: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Topic that receives undecodable records with headers naming the error and the source; unset drops them after counting. It must exist (gruwatch does not create topics): start-up checks it and reports not-ready until it does.',
      ),
    deadLetterRetry: mqttReconnectSchema
      .default({ initialDelayMs: 1_000, maxDelayMs: 30_000, multiplier: 2 })
      .describe(
        'Back-off while the dead-letter topic cannot be written (missing, denied, record too large): the partition of the record pauses (nothing later is read or committed past it) and the write is retried, the delay growing by multiplier from initialDelayMs up to maxDelayMs; the partition resumes by itself once a write succeeds.',
      ),
    changelogTopic: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Compacted topic, keyed by asset and with the input's partition count, that carries each asset's committed state (aligner readings, detector state, open alerts) to whichever instance owns its partition; unset: a gained partition's assets start cold. It must exist (gruwatch does not create topics).",
      ),
    tls: tlsSchema.optional(),
    sasl: saslSchema.optional(),
  })
  .superRefine((k, ctx) => {
    if ((k.topics === undefined) === (k.topicPattern === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['topics'],
        message: 'Set exactly one of `kafka.topics` and `kafka.topicPattern`.',
      });
    }
    if (k.heartbeatIntervalMs >= k.sessionTimeoutMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['heartbeatIntervalMs'],
        message:
          '`kafka.heartbeatIntervalMs` must be lower than `kafka.sessionTimeoutMs` (a third of it is usual).',
      });
    }
  })
  .describe('Read readings from Kafka topics.');

export const assetGroupSchema = z
  .strictObject({
    match: z
      .string()
      .min(1)
      .default('*')
      .describe(
        'Glob on the asset id (* any characters, ? one character); the first matching group applies.',
      ),
    channels: z
      .array(z.string().min(1))
      .min(1)
      .refine((c) => new Set(c).size === c.length, 'Channel names must be unique within a group.')
      .describe("Channel names in the model's order; readings of other channels are dropped and counted."),
    model: z
      .string()
      .min(1)
      .default('default')
      .describe('Name of the model in the model registry that scores the windows of these assets.'),
  })
  .describe('Assets whose id matches share one channel layout.');

export const alignConfigSchema = z
  .strictObject({
    periodMs: z
      .number()
      .int()
      .positive()
      .default(1000)
      .describe('Grid period in milliseconds: one frame per asset per period.'),
    fill: z
      .enum(['last', 'mean'])
      .default('last')
      .describe("A cell's value: the latest reading in it (last) or the mean of its readings (mean)."),
    maxHoldMs: z
      .number()
      .int()
      .nonnegative()
      .default(5000)
      .describe(
        "How long a channel's latest value fills later empty cells, in milliseconds; past it the cell is a gap.",
      ),
    latenessMs: z
      .number()
      .int()
      .nonnegative()
      .default(2000)
      .describe(
        'How far behind the newest reading of its asset a reading may arrive and still be placed, in milliseconds.',
      ),
    idleFlushMs: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe(
        "After this long without a reading, counted only while the sources are live and other assets' readings arrive, an asset is flushed so gap frames are emitted (never past the newest timestamp those readings carry), in milliseconds.",
      ),
  })
  .describe('The fixed time grid readings are aligned to.');

export const windowConfigSchema = z
  .strictObject({
    T: z.number().int().positive().describe("Frames per window; must equal the model's window length T."),
    hop: z.number().int().positive().default(1).describe('A window is emitted every hop frames.'),
  })
  .refine((w) => w.hop <= w.T, {
    message: '`window.hop` must not exceed `window.T` (frames would be skipped); lower hop or raise T.',
    path: ['hop'],
  })
  .describe('Windows of T frames handed to the model.');

export const deadLetterConfigSchema = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('file').describe('Append rejected MQTT messages to a rotating JSON-lines file.'),
      path: z
        .string()
        .min(1)
        .describe('Path of the current dead-letter file; rotated files get .1, .2, … suffixes.'),
      maxFileBytes: z
        .number()
        .int()
        .min(1024)
        .default(10 * 1024 * 1024)
        .describe('Size in bytes after which the file is rotated.'),
      maxFiles: z
        .number()
        .int()
        .positive()
        .default(5)
        .describe('Number of files kept, the current one included.'),
    }),
    z.strictObject({
      type: z.literal('mqtt').describe('Publish rejected MQTT messages to a topic of the same broker.'),
      topic: z
        .string()
        .min(1)
        .regex(/^[^+#]+$/, 'The dead-letter topic must not contain wildcards.')
        .describe('Dead-letter topic.'),
    }),
    z.strictObject({ type: z.literal('none').describe('Only count and log rejected MQTT messages.') }),
  ])
  .describe('Where rejected MQTT messages are kept (Kafka uses kafka.deadLetterTopic).');

export const ingestConfigSchema = z
  .strictObject({
    mqtt: mqttConfigSchema.optional(),
    kafka: kafkaConfigSchema.optional(),
    decoder: decoderConfigSchema,
    assets: z.array(assetGroupSchema).min(1).describe('Asset groups, tried in order.'),
    align: alignConfigSchema.default({
      periodMs: 1000,
      fill: 'last',
      maxHoldMs: 5000,
      latenessMs: 2000,
      idleFlushMs: 10_000,
    }),
    window: windowConfigSchema,
    deadLetter: deadLetterConfigSchema.default({ type: 'none' }),
    maxAssets: z
      .int()
      .positive()
      .default(10_000)
      .describe(
        'Most assets tracked at once. Readings of a further new asset id are dropped (counted as `ingest_readings_dropped_total{reason="asset_limit"}`, logged rate-limited), and a message carrying only such readings is dead-lettered with reason `asset_limit`; assets already tracked are not affected. Bounds memory when `match: "*"` meets untrusted asset ids.',
      ),
    evictIdleAssetsAfterMs: z
      .int()
      .positive()
      .default(86_400_000)
      .describe(
        'An asset from which no reading has arrived for this long (wall clock of arrival, as silence is a property of the link, not of the data) is forgotten: its aligner cells, window ring and detector state leave memory and its slot counts no more toward `maxAssets`; an alert open on it is resolved as data_stale. Its committed state stays in the store; if it sends again it starts like a new asset (a fresh window and detector state).',
      ),
  })
  .superRefine((c, ctx) => {
    if (c.mqtt === undefined && c.kafka === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'Configure at least one source: `ingest.mqtt` or `ingest.kafka`.',
      });
    }
    if (c.evictIdleAssetsAfterMs <= c.align.idleFlushMs + c.align.latenessMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['evictIdleAssetsAfterMs'],
        message: `ingest.evictIdleAssetsAfterMs (${c.evictIdleAssetsAfterMs}) must be longer than ingest.align.idleFlushMs + ingest.align.latenessMs (${c.align.idleFlushMs + c.align.latenessMs}), so a silent asset's last frames are flushed before it is forgotten`,
      });
    }
    if (c.mqtt?.sharedGroup !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['mqtt', 'sharedGroup'],
        message:
          "`ingest.mqtt.sharedGroup` makes the broker split messages per message, not per asset: each instance would see part of every asset's readings, so its windows get gaps and alerts conflict. Remove it; to scale out, run `gruwatch bridge` into Kafka keyed by asset and read `ingest.kafka` with a consumer group, or give each instance its own topic filter (static sharding).",
      });
    }
    if (c.deadLetter.type === 'mqtt' && c.mqtt === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['deadLetter'],
        message:
          '`ingest.deadLetter.type: mqtt` publishes through `ingest.mqtt`, which is not configured; configure mqtt or use type: file.',
      });
    }
  })
  .describe('Where readings come from and how they become windows.');

export type IngestConfig = z.infer<typeof ingestConfigSchema>;
export type IngestConfigInput = z.input<typeof ingestConfigSchema>;
export type MqttConfig = z.infer<typeof mqttConfigSchema>;
export type KafkaConfig = z.infer<typeof kafkaConfigSchema>;
export type AlignConfig = z.infer<typeof alignConfigSchema>;
export type WindowConfig = z.infer<typeof windowConfigSchema>;
export type DeadLetterConfig = z.infer<typeof deadLetterConfigSchema>;
