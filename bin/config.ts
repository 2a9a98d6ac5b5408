// The root configuration schema: one zod schema for the whole service,
// composed from each room's section. It is the type, the validator, the
// defaults and the documentation (`gruwatch config schema`, `config env`).
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { assetPatternsOverlap, matchesAssetPattern, PipelineError, secretSchema } from '../core/index.js';
import { isLoopbackHost } from '../dashboards/api/index.js';
import { retrainingConfigSchema } from '../detector/retraining/index.js';
import { sinksConfigSchema, storeConfigSchema } from '../detector/sinks/index.js';
import { bridgeConfigSchema, ingestConfigSchema } from '../ingest/index.js';
import { registryConfigSchema } from '../model/node/index.js';
import {
  checkWindowKeys,
  deriveWindowKeys,
  detectorSectionSchema,
  modelSectionSchema,
} from './window-config.js';

export const loggingConfigSchema = z
  .strictObject({
    level: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .describe('Lowest level written to the JSON log on stdout. Use debug to diagnose, trace only briefly.'),
  })
  .describe('Logging: pino JSON lines on stdout, one child logger per component.');

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const httpConfigSchema = z
  .strictObject({
    host: z
      .string()
      .default('127.0.0.1')
      .describe(
        'Address the HTTP server (health, metrics, API, live page) listens on. Use 0.0.0.0 to expose it.',
      ),
    port: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(8080)
      .describe('TCP port of the HTTP server; 0 picks a free port.'),
    apiToken: secretSchema
      .optional()
      .describe(
        'Bearer token required by the JSON API and the live page when set; it may also silence, label, retrain, promote and roll back. Give it as text, { env: NAME } or { file: PATH }, or through GRUWATCH_HTTP__API_TOKEN(_FILE).',
      ),
    viewerToken: secretSchema
      .optional()
      .describe(
        'Read-only token for wall displays: it may read the API and the live stream but never change anything. Open the page as http://HOST:PORT/?access_token=<viewerToken>. Requires apiToken.',
      ),
    allowedHosts: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'Host names (without port) the API answers to, besides loopback names and `host`; requests naming another Host are refused, which defeats DNS rebinding. With a wildcard `host` (0.0.0.0, ::) and this list empty, any Host is accepted.',
      ),
    allowUnauthenticated: z
      .boolean()
      .default(false)
      .describe(
        'Start without apiToken although `host` is not a loopback address. Without it such a configuration is refused: anyone on the network could silence alerts or roll back models.',
      ),
    maxStreamClients: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(64)
      .describe(
        'Most live-stream (server-sent events) clients at once; more are answered 503. A client that cannot keep up is disconnected (it reconnects and reloads).',
      ),
    timeZone: z
      .string()
      .default(() => Intl.DateTimeFormat().resolvedOptions().timeZone)
      .refine(isTimeZone, { message: 'not an IANA time zone (e.g. Europe/Berlin, UTC)' })
      .describe(
        "IANA time zone the live page shows times in (24 h clock), e.g. Europe/Berlin; default: the server's time zone.",
      ),
  })
  .superRefine((h, ctx) => {
    if (h.viewerToken !== undefined && h.apiToken === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['viewerToken'],
        message: 'a viewer token without apiToken grants nothing: without apiToken the API is open to all',
      });
    if (!isLoopbackHost(h.host) && h.apiToken === undefined && !h.allowUnauthenticated)
      ctx.addIssue({
        code: 'custom',
        path: ['apiToken'],
        message: `http.host ${h.host} is not a loopback address and no apiToken is set: set http.apiToken, or http.allowUnauthenticated: true to expose the API without one`,
      });
  })
  .describe('The HTTP server of `gruwatch run`.');

export const configSchema = z
  .strictObject({
    dataDir: z
      .string()
      .min(1)
      .default('./gruwatch-data')
      .describe(
        "Directory for gruwatch's own durable state: embedded store, sink buffers, webhook outbox, alert state and model registry. Relative paths are resolved against the working directory.",
      ),
    instance: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .describe(
        'Name of this gruwatch instance, used in logs and, without a Kafka consumer group, in webhook sources; defaults to the host name.',
      ),
    logging: loggingConfigSchema.prefault({}),
    http: httpConfigSchema.prefault({}),
    ingest: ingestConfigSchema,
    model: modelSectionSchema.prefault({}),
    registry: registryConfigSchema.optional(),
    detector: detectorSectionSchema.prefault({}),
    store: storeConfigSchema.prefault({}),
    sinks: sinksConfigSchema.default([]),
    retraining: retrainingConfigSchema.prefault({}),
    bridge: bridgeConfigSchema.optional(),
  })
  .superRefine((c, ctx) => {
    checkWindowKeys(c, ctx);
    checkMachineOffChannels(c, ctx);
    const groupModels = new Set(c.ingest.assets.map((g) => g.model));
    for (const name of Object.keys(c.retraining.models)) {
      if (!groupModels.has(name))
        ctx.addIssue({
          code: 'custom',
          path: ['retraining', 'models', name],
          message: `no asset group in ingest.assets uses model "${name}"; use one of: ${[...groupModels].join(', ')}`,
        });
    }
    const readsInflux =
      c.retraining.source === 'influxdb' ||
      Object.values(c.retraining.models).some((m) => m.source === 'influxdb');
    if (readsInflux && !c.sinks.some((s) => s.type === 'influxdb')) {
      ctx.addIssue({
        code: 'custom',
        path: ['retraining', 'source'],
        message:
          'retraining.source is influxdb but no sink of type influxdb is configured; add one or use source: store',
      });
    }
  })
  .transform(deriveWindowKeys)
  .describe(
    'gruwatch configuration. Every key may also be set from the environment: see `gruwatch config env`.',
  );

export type Config = z.output<typeof configSchema>;

/**
 * A machine-off rule must name a channel of every asset group whose assets it can meet: the
 * detector resolves the rule against the asset's channels, and a channel the group lacks would
 * make every window of those assets unjudgeable. A group is left out when an earlier group takes
 * all the rule's assets (assets go to the first matching group).
 */
function checkMachineOffChannels(
  c: {
    ingest: { assets: readonly { match: string; channels: readonly string[] }[] };
    detector: { machineOff: readonly { asset: string; channel: string }[] };
  },
  ctx: z.RefinementCtx,
): void {
  const groups = c.ingest.assets;
  c.detector.machineOff.forEach((rule, r) => {
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g]!;
      const isTakenEarlier = groups.slice(0, g).some((e) => matchesAssetPattern(e.match, rule.asset));
      if (isTakenEarlier) break;
      if (!assetPatternsOverlap(rule.asset, group.match) || group.channels.includes(rule.channel)) continue;
      ctx.addIssue({
        code: 'custom',
        path: ['detector', 'machineOff', r, 'channel'],
        message: `detector.machineOff[${r}].channel "${rule.channel}" (asset "${rule.asset}") is not a channel of ingest.assets[${g}] (match "${group.match}", channels: ${group.channels.join(', ')}); add it to ingest.assets[${g}].channels, or narrow detector.machineOff[${r}].asset to assets that have it`,
      });
    }
  });
}

/** The local SQLite database: `store.path`, or gruwatch.db in `dataDir`. */
export function storePathOf(config: Pick<Config, 'store' | 'dataDir'>): string {
  return resolve(config.store.path ?? join(config.dataDir, 'gruwatch.db'));
}

/** The model registry: `model.registryDir`, or the models folder in `dataDir`. */
export function registryDirOf(config: Pick<Config, 'model' | 'dataDir'>): string {
  return resolve(config.model.registryDir ?? join(config.dataDir, 'models'));
}
export type ConfigInput = z.input<typeof configSchema>;

/** The asset group that uses `model` (default: the first group); a CLI usage error naming the known models. */
export function assetGroupOf(
  config: Pick<Config, 'ingest'>,
  model?: string,
): Config['ingest']['assets'][number] {
  const groups = config.ingest.assets;
  const group = model === undefined ? groups[0] : groups.find((g) => g.model === model);
  if (group === undefined)
    throw new PipelineError(
      'CLI_USAGE',
      `no asset group uses model "${model}"; known models: ${[...new Set(groups.map((g) => g.model))].join(', ')}`,
    );
  return group;
}
