// Public surface of dashboards/api/: the HTTP API's schemas, the types inferred
// from them, the contract the server calls and its implementation over ports.
// The page imports only types (from api-types.ts), so no schema code is bundled.
// The HTTP server that answers the routes, and the Host/Origin rules it and the
// configuration share, are here too, with the Prometheus registry it serves on /metrics.

export type { ApiRouteName } from './api-routes.js';
export {
  alertsResponseSchema,
  apiRoutes,
  assetsResponseSchema,
  deliveriesResponseSchema,
  labelCreatedSchema,
  labelsResponseSchema,
  modelEventsResponseSchema,
  modelsResponseSchema,
  scoresResponseSchema,
  silenceCreatedSchema,
  silencesResponseSchema,
} from './api-routes.js';
export {
  framesSchema,
  labelBodySchema,
  liveMessageSchema,
  maxSilenceMs,
  modelViewSchema,
  promoteBodySchema,
  readinessSchema,
  refusalSchema,
  retrainQueuedSchema,
  rollbackSchema,
  sessionSchema,
  silenceBodySchema,
} from './api-schemas.js';
export type * from './api-types.js';
export { isLoopbackHost } from './http-hosts.js';
export type { Access, HttpServerOptions } from './http-server.js';
export { createHttpServer } from './http-server.js';
export type { ModelSlotPort, ModelViewDeps, ModelViews } from './model-view.js';
export { createModelViews } from './model-view.js';
export type { ApiRetraining, ApiStore, RunningServiceApiDeps } from './running-service-api.js';
export { createRunningServiceApi } from './running-service-api.js';
export type { HttpSettings, ServeHttpDeps } from './serve-http.js';
export { serveHttp } from './serve-http.js';
export type { LiveEvent, RangeQuery, ServiceApi, SilenceInput } from './service-api.js';
export type { ServiceMetrics, ServiceMetricsOptions } from './service-metrics.js';
export { createServiceMetrics } from './service-metrics.js';
export type { StoreSpaceReading } from './store-space-metrics.js';
export { registerStoreSpaceGauges } from './store-space-metrics.js';
