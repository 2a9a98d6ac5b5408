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
import { isPipelineError, type Logger, type Secret } from '../../core/index.js';
import { apiRoutes } from './api-routes.js';
import { labelBodySchema, maxSilenceMs, promoteBodySchema, silenceBodySchema } from './api-schemas.js';
import { isHostAllowed, isSameOrigin } from './http-hosts.js';
import type { ServiceApi } from './service-api.js';

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
const labelsQuerySchema = z.strictObject({
  ...accessToken,
  asset: z.string().min(1).optional(),
  from: z.coerce.number().int().optional(),
  to: z.coerce.number().int().optional(),
});
const modelEventsQuerySchema = z.strictObject({
  ...accessToken,
  model: z.string().min(1).optional(),
  limit: limitSchema.default(100),
});

/**
 * Runs a model action and maps the API's coded errors: API_NOT_FOUND (an unknown model or
 * version) is 404, API_CONFLICT (a version that cannot be used, a model in the wrong state) 409.
 */
async function modelAction(
  reply: FastifyReply,
  status: number,
  action: () => Promise<unknown>,
): Promise<FastifyReply> {
  try {
    return reply.code(status).send(await action());
  } catch (err) {
    if (isPipelineError(err, 'API_NOT_FOUND')) return refuse(reply, 404, 'not_found', err.message);
    if (isPipelineError(err, 'API_CONFLICT')) return refuse(reply, 409, 'conflict', err.message);
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

/** The answer of a route whose ServiceApi method this service does not implement. */
function notAvailable(reply: FastifyReply): FastifyReply {
  return refuse(reply, 404, 'not available', 'this service does not provide this feature');
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

  app.get(apiRoutes.health.path, async () => ({ status: 'ok' }));
  app.get(apiRoutes.readiness.path, async (_req, reply) => {
    const checks = api.readiness();
    const ready = checks.every((c) => c.ready);
    return reply.code(ready ? 200 : 503).send({ ready, checks });
  });
  app.get(apiRoutes.metrics.path, async (_req, reply) => {
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
    scope.get(apiRoutes.session.path, async (req) => ({
      access: accessOf.get(req) ?? 'operator',
      timeZone: options.timeZone ?? 'UTC',
    }));
    scope.get(apiRoutes.assets.path, async () => ({ assets: api.assets() }));
    scope.get<{ Params: { id: string } }>(apiRoutes.scores.path, async (req, reply) => {
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
    scope.get<{ Params: { id: string } }>(apiRoutes.frames.path, async (req, reply) => {
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
    scope.get(apiRoutes.alerts.path, async (req, reply) => {
      const query = alertsQuerySchema.safeParse(req.query);
      if (!query.success) return badRequest(reply, query.error);
      return {
        alerts: api.alerts({
          limit: query.data.limit,
          ...(query.data.asset ? { assetId: query.data.asset } : {}),
        }),
      };
    });
    scope.get(apiRoutes.silences.path, async () => ({ silences: api.silences() }));
    scope.get(apiRoutes.models.path, async () => ({ models: api.models() }));
    scope.get(apiRoutes.stream.path, (_req, reply) => {
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
    scope.post(apiRoutes.addSilence.path, async (req, reply) => {
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
    scope.delete<{ Params: { id: string } }>(apiRoutes.removeSilence.path, async (req, reply) => {
      return api.removeSilence(req.params.id)
        ? reply.code(204).send()
        : refuse(reply, 404, 'not_found', `no silence with id or asset pattern ${req.params.id}`);
    });
    scope.get(apiRoutes.labels.path, async (req, reply) => {
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
    scope.post(apiRoutes.addLabel.path, async (req, reply) => {
      if (api.addLabel === undefined) return notAvailable(reply);
      const body = labelBodySchema.safeParse(req.body);
      if (!body.success) return badRequest(reply, body.error);
      return reply.code(201).send({ label: api.addLabel(body.data) });
    });
    scope.delete<{ Params: { id: string } }>(apiRoutes.removeLabel.path, async (req, reply) => {
      if (api.removeLabel === undefined) return notAvailable(reply);
      return api.removeLabel(req.params.id)
        ? reply.code(204).send()
        : refuse(reply, 404, 'not_found', `no label with id ${req.params.id}`);
    });
    // A service without sinks has nothing undelivered: an empty list, not an error the page would log.
    scope.get(apiRoutes.deliveries.path, async () => ({ sinks: api.deliveries?.() ?? [] }));
    scope.get(apiRoutes.modelEvents.path, async (req, reply) => {
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
    scope.post<{ Params: { name: string } }>(apiRoutes.retrain.path, async (req, reply) => {
      const { retrainNow } = api;
      if (retrainNow === undefined) return notAvailable(reply);
      return modelAction(reply, 202, () => retrainNow.call(api, req.params.name));
    });
    scope.post<{ Params: { name: string } }>(apiRoutes.promote.path, async (req, reply) => {
      const { promoteModel } = api;
      if (promoteModel === undefined) return notAvailable(reply);
      const body = promoteBodySchema.safeParse(req.body ?? {});
      if (!body.success) return badRequest(reply, body.error);
      return modelAction(reply, 200, () => promoteModel.call(api, req.params.name, body.data.version));
    });
    scope.post<{ Params: { name: string } }>(apiRoutes.rollback.path, async (req, reply) => {
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
