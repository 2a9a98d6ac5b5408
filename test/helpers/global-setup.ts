// vitest global setup of the integration project: loads the env file that
// deploy/local/services writes into process.env (as GRUWATCH_TEST_* without
// overriding what is set) and prints one line per server, reachable or not.
import { probeServer } from './reachability.js';
import { envPrefix, loadEndpoints, readServicesEnvFile, serverNames, servicesEnvFile } from './services.js';

export default async function setup(): Promise<void> {
  const file = readServicesEnvFile();
  for (const [key, value] of Object.entries(file)) {
    if (process.env[envPrefix + key] === undefined) process.env[envPrefix + key] = value;
  }
  const endpoints = loadEndpoints();
  const results = await Promise.all(serverNames.map((server) => probeServer(server, endpoints)));
  const source = Object.keys(file).length > 0 ? servicesEnvFile() : 'defaults (no env file)';
  process.stderr.write(`gruwatch integration servers (settings from ${source}):\n`);
  serverNames.forEach((server, i) => {
    const { isReachable, detail } = results[i];
    const verdict = isReachable
      ? 'reachable'
      : `NOT reachable; start it with: deploy/local/services up ${server}`;
    process.stderr.write(`  ${server.padEnd(9)} ${verdict} (${detail})\n`);
  });
}
