// The HTTP server of `gruwatch run`: liveness and readiness for orchestrators,
// Prometheus metrics, and the JSON API (assets, scores, alerts, silences).
// The API is guarded by a bearer token when one is configured; health and
// metrics are not, so probes and scrapers need no secret.
import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { Logger, Secret } from '../core/index.js';

export interface ReadinessCheck {
  name: string;
  ready: boolean;
  detail?: string;
}

export interface SilenceInput {
  assetPattern: string;
  untilMs: number;
  reason: string;
  createdBy: string;
}

/** What the running service exposes through the API; implemented by the service. */
export interface ServiceApi {
  readiness(): ReadinessCheck[];
  assets(): unknown[];
  scores(query: { assetId: string; fromMs?: number; toMs?: number; limit: number }): unknown[];
  alerts(query: { assetId?: string; limit: number }): unknown[];
  silences(): unknown[];
  addSilence(input: SilenceInput): unknown;
  removeSilence(id: string): boolean;
}

export interface HttpServerOptions {
  apiToken?: Secret;
  registry: Registry;
  api: ServiceApi;
  logger: Logger;
  now: () => number;
}

const limitSchema = z.coerce.number().int().min(1).max(10_000);
const scoresQuerySchema = z.strictObject({
  from: z.coerce.number().optional(),
  to: z.coerce.number().optional(),
  limit: limitSchema.default(1000),
});
const alertsQuerySchema = z.strictObject({
  asset: z.string().min(1).optional(),
  limit: limitSchema.default(100),
});
const silenceBodySchema = z
  .strictObject({
    asset: z.string().min(1).describe('Asset id or glob pattern (e.g. "pump-*").'),
    durationMs: z
      .number()
      .int()
      .positive()
      .max(31 * 24 * 3600_000)
      .optional(),
    untilMs: z.number().int().positive().optional(),
    reason: z.string().max(500).default(''),
    createdBy: z.string().max(200).default('api'),
  })
  .refine((b) => (b.durationMs === undefined) !== (b.untilMs === undefined), {
    message: 'give exactly one of durationMs and untilMs',
  });

function tokenMatches(expected: Secret, header: string | undefined): boolean {
  if (header === undefined || !header.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice('Bearer '.length));
  const wanted = Buffer.from(expected.reveal());
  return given.length === wanted.length && timingSafeEqual(given, wanted);
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
    disableRequestLogging: true,
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

  await app.register(async (scope) => {
    if (options.apiToken !== undefined) {
      const token = options.apiToken;
      scope.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
        if (!tokenMatches(token, req.headers.authorization)) {
          return reply.code(401).header('www-authenticate', 'Bearer realm="gruwatch"').send({
            error: 'unauthorized',
            message: 'send the API token as "Authorization: Bearer <token>"',
          });
        }
      });
    }
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
    scope.post('/api/silences', async (req, reply) => {
      const body = silenceBodySchema.safeParse(req.body);
      if (!body.success) return badRequest(reply, body.error);
      const untilMs = body.data.untilMs ?? options.now() + body.data.durationMs!;
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
        : reply.code(404).send({ error: 'not_found', message: `no silence with id ${req.params.id}` });
    });
  });

  return app;
}
