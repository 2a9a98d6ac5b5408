// Where the demo's page and API listen. Loopback by default; any other address
// is held to the rule of `gruwatch run`: beyond loopback the API needs a token,
// here taken from GRUWATCH_HTTP__API_TOKEN so that it never shows in a process list.
import { PipelineError } from '../../core/index.js';
import { isLoopbackHost } from '../../dashboards/api/index.js';
import { envNameFor } from '../env-overrides.js';

export const demoTokenVariable = envNameFor(['http', 'apiToken']);

export interface DemoHttp {
  host: string;
  apiToken?: string;
}

/** The demo's listener for `--host`, or a usage error when a non-loopback address has no token. */
export function demoHttp(host: string, env: NodeJS.ProcessEnv): DemoHttp {
  if (host.trim() === '') throw new PipelineError('CLI_USAGE', '--host must be an address, got an empty one');
  const token = env[demoTokenVariable];
  const apiToken = token === undefined || token === '' ? undefined : token;
  if (!isLoopbackHost(host) && apiToken === undefined)
    throw new PipelineError(
      'CLI_USAGE',
      `--host ${host} is not a loopback address: set ${demoTokenVariable} to the token the page and the API will ask for`,
      { details: { field: 'host', host } },
    );
  return { host, ...(apiToken === undefined ? {} : { apiToken }) };
}
