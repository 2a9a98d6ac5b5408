// The HTTP server of `gruwatch run`: liveness and readiness for orchestrators,
// Prometheus metrics, and the JSON API (assets, scores, alerts, silences,
// operator labels, models and their retraining).
// The API is guarded by a bearer token when one is configured (and a read-only
// viewer token may read it); health and metrics are not, so probes and
// scrapers need no secret. Requests that change anything must come from this
// server's own page or from no page at all (curl, the CLI) and carry JSON.
import { timingSafeEqual } from 'node:crypto';
import fastifyStatic from '@fastify/static';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { isPipelineError, type Logger, type Secret } from '../core/index.js';
import { type OperatorLabelInput, operatorLabelInputSchema } from '../detector/retraining/index.js';
import { isHostAllowed, isSameOrigin } from './http-hosts.js';

export interface ReadinessCheck {
  name: string;
  ready: boolean;
  detail?: string;
  /** Figures behind the verdict (e.g. the store's free bytes), for operators and probes. */
  figures?: Record<string, number>;
}

export interface SilenceInput {
  assetPattern: string;
  untilMs: number;
  reason: string;
  createdBy: string;
}

/** A period an operator marks as normal (learn it) or not normal (never learn it). */
export type LabelInput = OperatorLabelInput;

/**
 * What the running service exposes through the API; implemented by the service.
 * Optional methods belong to features a service may lack (retraining); their routes
 * answer 404 `{ error: 'not available' }` without them.
 */
export interface ServiceApi {
  readiness(): ReadinessCheck[];
  assets(): unknown[];
  scores(query: { assetId: string; fromMs?: number; toMs?: number; limit: number }): unknown[];
  alerts(query: { assetId?: string; limit: number }): unknown[];
  silences(): unknown[];
  /** Keeps the silence (across restarts) and returns it with its stable `id`. */
  addSilence(input: SilenceInput): unknown;
  /**
   * Removes the silence with this id; for pages written before silences had ids, a
   * value that is no id removes every silence with exactly that asset pattern.
   */
  removeSilence(idOrPattern: string): boolean;
  /** The current model per asset group: version, training summary, threshold. */
  models(): unknown[];
  /**
   * Signals of one asset with the model's reconstruction, for the live page's asset view:
   * `{ channels, points: [{ atMs, values, reconstruction | null }] }` (NaN cells become null in JSON).
   * Optional: without it the endpoint answers `{ available: false }`.
   */
  frames?(query: { assetId: string; fromMs?: number; toMs?: number; limit: number }): unknown;
  /** Operator labels overlapping the range whose asset pattern matches `assetId`, by start. */
  labels?(query: { assetId?: string; fromMs?: number; toMs?: number }): unknown[];
  /** Keeps the label and returns it with its `id`. */
  addLabel?(input: LabelInput): unknown;
  /** Returns whether a label with this id existed. */
  removeLabel?(id: string): boolean;
  /** Model events (retraining, promotion, rollback), newest first. */
  modelEvents?(query: { model?: string; limit: number }): unknown[];
  /**
   * Starts a retraining run of the model now; resolves once it is started (not finished).
   * Unknown model: PipelineError CLI_USAGE. The methods below likewise; a version that
   * cannot be promoted or nothing to roll back to: MODEL_ARTIFACT_INVALID.
   */
  retrainNow?(model: string): Promise<unknown>;
  promoteModel?(model: string, version: string): Promise<unknown>;
  rollbackModel?(model: string): Promise<unknown>;
  /** Per sink: rows waiting and the age of the oldest one (`oldestUndeliveredAgeMs`, null when none); none when absent. */
  deliveries?(): unknown[];
  /** Live updates for the page; returns the unsubscribe function. */
  subscribe(listener: (event: LiveEvent) => void): () => void;
}

/** One server-sent event of `/api/stream`. */
export interface LiveEvent {
  type: 'score' | 'alert' | 'status' | 'model';
  data: unknown;
}

export interface HttpServerOptions {
  apiToken?: Secret;
  /** Read-only token: reads the API and the stream, never changes anything. */
  viewerToken?: Secret;
  /** Host names (no port) the API answers to besides loopback ones; undefined: any. */
  allowedHosts?: Set<string>;
  /** Most live-stream clients at once (default 64). */
  maxStreamClients?: number;
  /** IANA time zone the page shows times in (default UTC). */
  timeZone?: string;
  registry: Registry;
  api: ServiceApi;
  logger: Logger;
  now: () => number;
  /** Directory of the built live page (dashboards/web), served at `/` when given. */
  webRoot?: string;
}

const limitSchema = z.coerce.number().int().min(1).max(10_000);
/** The longest silence; an end time further out is refused like a longer duration. */
export const maxSilenceMs = 31 * 24 * 3600_000;
/** Bytes a live-stream client may fall behind before it is disconnected. */
const maxStreamBufferBytes = 1024 * 1024;
const readMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Who a request is: the operator (API token, or no token configured) or a read-only viewer. */
export type Access = 'operator' | 'viewer';
const accessToken = { access_token: z.string().optional() };
const scoresQuerySchema = z.strictObject({
  ...accessToken,
  from: z.coerce.number().optional(),
  to: z.coerce.number().optional(),
  limit: limitSchema.default(1000),
});
const alertsQuerySchema = z.strictObject({
  ...accessToken,
  asset: z.string().min(1).optional(),
  limit: limitSchema.default(100),
});
const silenceBodySchema = z
  .strictObject({
    asset: z.string().min(1).describe('Asset id or glob pattern (e.g. "pump-*").'),
    durationMs: z.number().int().positive().max(maxSilenceMs).optional(),
    untilMs: z.number().int().positive().optional(),
    reason: z.string().max(500).default(''),
    createdBy: z.string().max(200).default('api'),
  })
  .refine((b) => (b.durationMs === undefined) !== (b.untilMs === undefined), {
    message: 'give exactly one of durationMs and untilMs',
  });

const labelsQuerySchema = z.strictObject({
  ...accessToken,
  asset: z.string().min(1).optional(),
  from: z.coerce.number().int().optional(),
  to: z.coerce.number().int().optional(),
});
const labelBodySchema = operatorLabelInputSchema;
const modelEventsQuerySchema = z.strictObject({
  ...accessToken,
  model: z.string().min(1).optional(),
  limit: limitSchema.default(100),
});
const promoteBodySchema = z.strictObject({ version: z.string().min(1) });

/** The answer of a route whose ServiceApi method this service does not implement. */
function notAvailable(reply: FastifyReply): FastifyReply {
  return reply.code(404).send({ error: 'not available' });
}

/**
 * Runs a model action and maps the service's coded errors: an unknown model or version
 * (CLI_USAGE) is 404, a version that cannot be used or a model in the wrong state is 409.
 */
async function modelAction(
  reply: FastifyReply,
  status: number,
  action: () => Promise<unknown>,
): Promise<FastifyReply> {
  try {
    return reply.code(status).send(await action());
  } catch (err) {
    if (isPipelineError(err, 'CLI_USAGE')) {
      return reply.code(404).send({ error: 'not_found', message: err.message });
    }
    if (
      isPipelineError(err, 'MODEL_ARTIFACT_INVALID') ||
      isPipelineError(err, 'MODEL_ARTIFACT_INCOMPATIBLE') ||
      isPipelineError(err, 'MODEL_TRAINING_FAILED')
    ) {
      return reply.code(409).send({ error: 'conflict', message: err.message });
    }
    throw err;
  }
}

function tokenMatches(expected: Secret | undefined, given: string | undefined): boolean {
  if (expected === undefined || given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected.reveal());
  // An empty secret never matches: the configuration refuses it, this is the second guard.
  return b.length > 0 && a.length === b.length && timingSafeEqual(a, b);
}

function refuse(reply: FastifyReply, status: number, error: string, message: string): FastifyReply {
  return reply.code(status).send({ error, message });
}

function badRequest(reply: FastifyReply, error: z.ZodError): FastifyReply {
  return reply.code(400).send({
    error: 'bad_request',
    problems: error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`),
  });
}

export async function createHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: options.logger.child({ component: 'http' }) as FastifyInstance['log'],
    // No log line per request: health probes and metric scrapes would drown the useful lines.
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;
  const { api } = options;

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const checks = api.readiness();
    const ready = checks.every((c) => c.ready);
    return reply.code(ready ? 200 : 503).send({ ready, checks });
  });
  app.get('/metrics', async (_req, reply) => {
    const text = await options.registry.metrics();
    return reply.type(options.registry.contentType).send(text);
  });

  const accessOf = new WeakMap<FastifyRequest, Access>();
  let streamClients = 0;
  const maxStreamClients = options.maxStreamClients ?? 64;

  await app.register(async (scope) => {
    scope.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      if (!isHostAllowed(req.headers.host, options.allowedHosts)) {
        return refuse(
          reply,
          403,
          'forbidden',
          `this server does not answer to Host "${req.headers.host ?? ''}"; add the name to http.allowedHosts`,
        );
      }
      const isMutation = !readMethods.has(req.method);
      if (isMutation && !isSameOrigin(req.headers)) {
        return refuse(reply, 403, 'forbidden', 'cross-site requests may not change anything');
      }
      let access: Access = 'operator';
      if (options.apiToken !== undefined) {
        // EventSource cannot send headers, so the token may also come as the
        // access_token query parameter (RFC 6750 §2.3).
        const fromQuery = (req.query as { access_token?: unknown }).access_token;
        const header = req.headers.authorization;
        const given = header?.startsWith('Bearer ')
          ? header.slice('Bearer '.length)
          : typeof fromQuery === 'string'
            ? fromQuery
            : undefined;
        if (tokenMatches(options.apiToken, given)) access = 'operator';
        else if (tokenMatches(options.viewerToken, given)) access = 'viewer';
        else {
          reply.header('www-authenticate', 'Bearer realm="gruwatch"');
          return refuse(reply, 401, 'unauthorized', 'send the API token as "Authorization: Bearer <token>"');
        }
      }
      if (isMutation && access === 'viewer') {
        return refuse(reply, 403, 'read_only', 'the viewer token may read, not change anything');
      }
      // A page of another site can POST without a preflight only with a form or text
      // content type; requiring JSON keeps such requests out even without Origin.
      const type = req.headers['content-type'] ?? '';
      if (isMutation && req.method !== 'DELETE' && !/^application\/json\s*(;|$)/i.test(type)) {
        return refuse(
          reply,
          415,
          'unsupported_media_type',
          'send a JSON body with Content-Type: application/json',
        );
      }
      accessOf.set(req, access);
    });
    scope.get('/api/session', async (req) => ({
      access: accessOf.get(req) ?? 'operator',
      timeZone: options.timeZone ?? 'UTC',
    }));
    scope.get('/api/assets', async () => ({ assets: api.assets() }));
    scope.get<{ Params: { id: string } }>('/api/assets/:id/scores', async (req, reply) => {
      const query = scoresQuerySchema.safeParse(req.query);
      if (!query.success) return badRequest(reply, query.error);
      return {
        scores: api.scores({
          assetId: req.params.id,
          limit: query.data.limit,
          ...(query.data.from !== undefined ? { fromMs: query.data.from } : {}),
          ...(query.data.to !== undefined ? { toMs: query.data.to } : {}),
        }),
      };
    });
    scope.get<{ Params: { id: string } }>('/api/assets/:id/frames', async (req, reply) => {
      const query = scoresQuerySchema.safeParse(req.query);
      if (!query.success) return badRequest(reply, query.error);
      if (api.frames === undefined) return { available: false, channels: [], points: [] };
      return api.frames({
        assetId: req.params.id,
        limit: query.data.limit,
        ...(query.data.from !== undefined ? { fromMs: query.data.from } : {}),
        ...(query.data.to !== undefined ? { toMs: query.data.to } : {}),
      });
    });
    scope.get('/api/alerts', async (req, reply) => {
      const query = alertsQuerySchema.safeParse(req.query);
      if (!query.success) return badRequest(reply, query.error);
      return {
        alerts: api.alerts({
          limit: query.data.limit,
          ...(query.data.asset ? { assetId: query.data.asset } : {}),
        }),
      };
    });
    scope.get('/api/silences', async () => ({ silences: api.silences() }));
    scope.get('/api/models', async () => ({ models: api.models() }));
    scope.get('/api/stream', (_req, reply) => {
      // Server-sent events: one `event:` per LiveEvent, a comment line as heartbeat so
      // proxies keep the connection open.
      if (streamClients >= maxStreamClients) {
        reply.header('retry-after', '10');
        return refuse(
          reply,
          503,
          'too_many_clients',
          `at most ${maxStreamClients} live-stream clients at once`,
        );
      }
      streamClients++;
      reply.hijack();
      const res = reply.raw;
      // A client that reads slower than events come would make its buffer grow without
      // bound: past the limit it is cut off, and its page reconnects and reloads.
      const send = (text: string) => {
        if (res.destroyed) return;
        if (res.writableLength > maxStreamBufferBytes) {
          res.destroy();
          return;
        }
        res.write(text);
      };
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(': connected\n\n');
      const unsubscribe = api.subscribe((event) => {
        send(`event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`);
      });
      const heartbeat = setInterval(() => send(': heartbeat\n\n'), 15_000);
      heartbeat.unref();
      res.on('close', () => {
        streamClients--;
        clearInterval(heartbeat);
        unsubscribe();
      });
    });
    scope.post('/api/silences', async (req, reply) => {
      const body = silenceBodySchema.safeParse(req.body);
      if (!body.success) return badRequest(reply, body.error);
      const nowMs = options.now();
      if (body.data.untilMs !== undefined && body.data.untilMs > nowMs + maxSilenceMs) {
        return reply.code(400).send({
          error: 'bad_request',
          problems: [`untilMs: at most ${maxSilenceMs} ms (31 days) from now`],
        });
      }
      const untilMs = body.data.untilMs ?? nowMs + body.data.durationMs!;
      const silence = api.addSilence({
        assetPattern: body.data.asset,
        untilMs,
        reason: body.data.reason,
        createdBy: body.data.createdBy,
      });
      return reply.code(201).send({ silence });
    });
    scope.delete<{ Params: { id: string } }>('/api/silences/:id', async (req, reply) => {
      return api.removeSilence(req.params.id)
        ? reply.code(204).send()
        : reply
            .code(404)
            .send({ error: 'not_found', message: `no silence with id or asset pattern ${req.params.id}` });
    });
    scope.get('/api/labels', async (req, reply) => {
      const query = labelsQuerySchema.safeParse(req.query);
      if (!query.success) return badRequest(reply, query.error);
      if (api.labels === undefined) return notAvailable(reply);
      return {
        labels: api.labels({
          ...(query.data.asset !== undefined ? { assetId: query.data.asset } : {}),
          ...(query.data.from !== undefined ? { fromMs: query.data.from } : {}),
          ...(query.data.to !== undefined ? { toMs: query.data.to } : {}),
        }),
      };
    });
    scope.post('/api/labels', async (req, reply) => {
      if (api.addLabel === undefined) return notAvailable(reply);
      const body = labelBodySchema.safeParse(req.body);
      if (!body.success) return badRequest(reply, body.error);
      return reply.code(201).send({ label: api.addLabel(body.data) });
    });
    scope.delete<{ Params: { id: string } }>('/api/labels/:id', async (req, reply) => {
      if (api.removeLabel === undefined) return notAvailable(reply);
      return api.removeLabel(req.params.id)
        ? reply.code(204).send()
        : reply.code(404).send({ error: 'not_found', message: `no label with id ${req.params.id}` });
    });
    // A service without sinks has nothing undelivered: an empty list, not an error the page would log.
    scope.get('/api/deliveries', async () => ({ sinks: api.deliveries?.() ?? [] }));
    scope.get('/api/models/events', async (req, reply) => {
      const query = modelEventsQuerySchema.safeParse(req.query);
      if (!query.success) return badRequest(reply, query.error);
      if (api.modelEvents === undefined) return notAvailable(reply);
      return {
        events: api.modelEvents({
          limit: query.data.limit,
          ...(query.data.model !== undefined ? { model: query.data.model } : {}),
        }),
      };
    });
    scope.post<{ Params: { name: string } }>('/api/models/:name/retrain', async (req, reply) => {
      const { retrainNow } = api;
      if (retrainNow === undefined) return notAvailable(reply);
      return modelAction(reply, 202, () => retrainNow.call(api, req.params.name));
    });
    scope.post<{ Params: { name: string } }>('/api/models/:name/promote', async (req, reply) => {
      const { promoteModel } = api;
      if (promoteModel === undefined) return notAvailable(reply);
      const body = promoteBodySchema.safeParse(req.body ?? {});
      if (!body.success) return badRequest(reply, body.error);
      return modelAction(reply, 200, () => promoteModel.call(api, req.params.name, body.data.version));
    });
    scope.post<{ Params: { name: string } }>('/api/models/:name/rollback', async (req, reply) => {
      const { rollbackModel } = api;
      if (rollbackModel === undefined) return notAvailable(reply);
      return modelAction(reply, 200, () => rollbackModel.call(api, req.params.name));
    });
  });

  if (options.webRoot !== undefined) {
    await app.register(fastifyStatic, { root: options.webRoot, prefix: '/', index: 'index.html' });
  }

  return app;
}
