// The HTTP server of `gruwatch run` from its settings (the `http` configuration
// section): host names it answers to, tokens, stream limit and time zone; listening.
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Clock, Logger, Secret } from '../../core/index.js';
import { allowedHostNames, isLoopbackHost } from './http-hosts.js';
import { createHttpServer } from './http-server.js';
import type { ServiceApi } from './service-api.js';

/** What the server needs of the `http` configuration section (validated at start-up). */
export interface HttpSettings {
  host: string;
  port: number;
  apiToken?: Secret | undefined;
  viewerToken?: Secret | undefined;
  /** Host names besides loopback ones and `host`. */
  allowedHosts: readonly string[];
  maxStreamClients: number;
  timeZone: string;
}

export interface ServeHttpDeps {
  api: ServiceApi;
  registry: Registry;
  /** The root logger; the server's lines carry their own component. */
  logger: Logger;
  clock: Clock;
  /** Directory of the built live page; omitted = no page. */
  webRoot?: string;
}

export async function serveHttp(
  settings: HttpSettings,
  deps: ServeHttpDeps,
): Promise<{ http: FastifyInstance; url: string }> {
  const { clock } = deps;
  const log = deps.logger.child({ component: 'service' });
  const allowedHosts = allowedHostNames(settings.host, settings.allowedHosts);
  if (settings.apiToken === undefined && !isLoopbackHost(settings.host))
    log.warn(
      { host: settings.host },
      'The API has no token and listens beyond loopback (http.allowUnauthenticated): anyone who reaches it may change alerts and models.',
    );
  const http = await createHttpServer({
    api: deps.api,
    registry: deps.registry,
    logger: deps.logger,
    now: () => clock.nowMs(),
    ...(settings.apiToken ? { apiToken: settings.apiToken } : {}),
    ...(settings.viewerToken ? { viewerToken: settings.viewerToken } : {}),
    ...(allowedHosts ? { allowedHosts } : {}),
    maxStreamClients: settings.maxStreamClients,
    timeZone: settings.timeZone,
    ...(deps.webRoot ? { webRoot: deps.webRoot } : {}),
  });
  const url = await http.listen({ host: settings.host, port: settings.port });
  log.info({ url }, 'HTTP server listening.');
  return { http, url };
}
