// A Mosquitto of one test's own (own data folder, port from the kernel), for
// tests that stop or restart the broker: the shared one started by
// deploy/local/services is never touched. Same persistence settings as the
// shared broker, so a persistent session's queued QoS 1 messages survive a restart.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { waitFor } from './integration.js';

export interface PrivateMosquitto {
  readonly host: string;
  readonly port: number;
  start(): Promise<void>;
  /** SIGTERM (Mosquitto saves its persistence file) and wait for the exit. */
  stop(): Promise<void>;
  /** Kills it if it still runs (teardown). */
  dispose(): void;
}

const isPortOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

export async function createPrivateMosquitto(dir: string): Promise<PrivateMosquitto> {
  const port = await freePort();
  mkdirSync(join(dir, 'data'), { recursive: true });
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      // Running as root, Mosquitto would otherwise switch to the 'mosquitto' user and lose access here.
      'user root',
      'persistence true',
      `persistence_location ${join(dir, 'data')}/`,
      'autosave_interval 1',
      'max_queued_messages 0',
      'max_queued_bytes 0',
      `log_dest file ${join(dir, 'mosquitto.log')}`,
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  return {
    host: '127.0.0.1',
    port,
    async start() {
      child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
      await waitFor(() => isPortOpen(port), { what: `private Mosquitto on port ${port}`, timeoutMs: 20_000 });
    },
    async stop() {
      const c = child;
      if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill('SIGTERM');
      await exited;
    },
    dispose() {
      if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
