// A private InfluxDB 1.8 for outage tests: the influxd that deploy/local/services
// installs, with its own data folder and ports from the kernel, so a test can
// stop and start it without touching the shared server others use.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { waitFor } from './integration.js';
import { toolsDir } from './tools.js';

/** The influxd binary deploy/local/services installs (see install_influxdb there). */
export function influxdBinary(): string {
  return join(toolsDir, 'influxdb-1.8.10', 'bin', 'influxd');
}

export interface PrivateInfluxdb {
  /** http://127.0.0.1:PORT; auth is off, so any token is accepted. */
  readonly url: string;
  readonly token: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function createPrivateInfluxdb(dir: string): Promise<PrivateInfluxdb> {
  const binary = influxdBinary();
  if (!existsSync(binary))
    throw new Error(`${binary} is missing; install it with: deploy/local/services install influxdb`);
  const [httpPort, rpcPort] = [await freePort(), await freePort()];
  for (const sub of ['meta', 'data', 'wal']) mkdirSync(join(dir, sub), { recursive: true });
  const configFile = join(dir, 'influxdb.conf');
  writeFileSync(
    configFile,
    `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${join(dir, 'meta')}"
[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  query-log-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  auth-enabled = false
  log-enabled = false
[monitor]
  store-enabled = false
[subscriber]
  enabled = false
`,
  );
  const url = `http://127.0.0.1:${httpPort}`;
  let child: ChildProcess | undefined;
  const health = async () => (await fetch(`${url}/health`).catch(() => undefined))?.ok === true;
  return {
    url,
    token: 'private:private',
    async start() {
      const logFile = join(dir, 'influxd.log');
      const log = openSync(logFile, 'a');
      child = spawn(binary, ['run', '-config', configFile], { stdio: ['ignore', log, log] });
      closeSync(log);
      await waitFor(health, { what: 'the private InfluxDB', timeoutMs: 120_000 }).catch((err: unknown) => {
        // Say why: a port taken while it was down, or a slow start on a busy machine.
        throw new Error(
          `${(err as Error).message}; log tail:\n${readFileSync(logFile, 'utf8').slice(-2_000)}`,
        );
      });
    },
    async stop() {
      const running = child;
      child = undefined;
      if (running === undefined || running.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.kill('SIGTERM');
      await exited;
    },
  };
}
