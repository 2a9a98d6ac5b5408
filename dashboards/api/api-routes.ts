// Every route of the HTTP API with the status and the schema of its answer
// (and of its body, for routes that take one). The server registers these
// routes; the tests fetch each of them and check the answer against it.
import { z } from 'zod';
import {
  alertEventSchema,
  assetSnapshotSchema,
  deliverySchema,
  framesSchema,
  healthSchema,
  labelBodySchema,
  labelSchema,
  modelEventSchema,
  modelViewSchema,
  promoteBodySchema,
  readinessSchema,
  retrainQueuedSchema,
  rollbackSchema,
  scorePointSchema,
  sessionSchema,
  silenceBodySchema,
  silenceSchema,
} from './api-schemas.js';

export const assetsResponseSchema = z.object({ assets: z.array(assetSnapshotSchema) });
export const scoresResponseSchema = z.object({ scores: z.array(scorePointSchema) });
export const alertsResponseSchema = z.object({ alerts: z.array(alertEventSchema) });
export const silencesResponseSchema = z.object({ silences: z.array(silenceSchema) });
export const silenceCreatedSchema = z.object({ silence: silenceSchema });
export const modelsResponseSchema = z.object({ models: z.array(modelViewSchema) });
export const modelEventsResponseSchema = z.object({ events: z.array(modelEventSchema) });
export const labelsResponseSchema = z.object({ labels: z.array(labelSchema) });
export const labelCreatedSchema = z.object({ label: labelSchema });
export const deliveriesResponseSchema = z.object({ sinks: z.array(deliverySchema) });

interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** Fastify's form: `:name` is a path parameter. */
  path: string;
  /** The status of a successful answer. */
  status: number;
  /** The answer's JSON; null for no JSON body (204, the metrics text, the event stream). */
  response: z.ZodType | null;
  body?: z.ZodType;
}

const route = (
  method: Route['method'],
  path: string,
  status: number,
  response: z.ZodType | null,
  body?: z.ZodType,
): Route => ({ method, path, status, response, ...(body ? { body } : {}) });

export const apiRoutes = {
  health: route('GET', '/healthz', 200, healthSchema),
  readiness: route('GET', '/readyz', 200, readinessSchema),
  metrics: route('GET', '/metrics', 200, null),
  session: route('GET', '/api/session', 200, sessionSchema),
  assets: route('GET', '/api/assets', 200, assetsResponseSchema),
  scores: route('GET', '/api/assets/:id/scores', 200, scoresResponseSchema),
  frames: route('GET', '/api/assets/:id/frames', 200, framesSchema),
  alerts: route('GET', '/api/alerts', 200, alertsResponseSchema),
  silences: route('GET', '/api/silences', 200, silencesResponseSchema),
  addSilence: route('POST', '/api/silences', 201, silenceCreatedSchema, silenceBodySchema),
  removeSilence: route('DELETE', '/api/silences/:id', 204, null),
  models: route('GET', '/api/models', 200, modelsResponseSchema),
  modelEvents: route('GET', '/api/models/events', 200, modelEventsResponseSchema),
  retrain: route('POST', '/api/models/:name/retrain', 202, retrainQueuedSchema),
  promote: route('POST', '/api/models/:name/promote', 200, modelViewSchema, promoteBodySchema),
  rollback: route('POST', '/api/models/:name/rollback', 200, rollbackSchema),
  labels: route('GET', '/api/labels', 200, labelsResponseSchema),
  addLabel: route('POST', '/api/labels', 201, labelCreatedSchema, labelBodySchema),
  removeLabel: route('DELETE', '/api/labels/:id', 204, null),
  deliveries: route('GET', '/api/deliveries', 200, deliveriesResponseSchema),
  stream: route('GET', '/api/stream', 200, null),
} satisfies Record<string, Route>;

export type ApiRouteName = keyof typeof apiRoutes;
