// The HTTP server of `gruwatch run` from the `http` configuration section:
// host names it answers to, tokens, stream limit and time zone; listening.
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Clock, Logger } from '../core/index.js';
import type { ServiceApi } from '../dashboards/api/index.js';
import type { Config } from './config.js';
import { allowedHostNames, isLoopbackHost } from './http-hosts.js';
import { createHttpServer } from './http-server.js';

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
  config: Config['http'],
  deps: ServeHttpDeps,
): Promise<{ http: FastifyInstance; url: string }> {
  const { clock } = deps;
  const log = deps.logger.child({ component: 'service' });
  const allowedHosts = allowedHostNames(config.host, config.allowedHosts);
  if (config.apiToken === undefined && !isLoopbackHost(config.host))
    log.warn(
      { host: config.host },
      'The API has no token and listens beyond loopback (http.allowUnauthenticated): anyone who reaches it may change alerts and models.',
    );
  const http = await createHttpServer({
    api: deps.api,
    registry: deps.registry,
    logger: deps.logger,
    now: () => clock.nowMs(),
    ...(config.apiToken ? { apiToken: config.apiToken } : {}),
    ...(config.viewerToken ? { viewerToken: config.viewerToken } : {}),
    ...(allowedHosts ? { allowedHosts } : {}),
    maxStreamClients: config.maxStreamClients,
    timeZone: config.timeZone,
    ...(deps.webRoot ? { webRoot: deps.webRoot } : {}),
  });
  const url = await http.listen({ host: config.host, port: config.port });
  log.info({ url }, 'HTTP server listening.');
  return { http, url };
}
