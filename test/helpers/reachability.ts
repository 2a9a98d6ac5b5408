// Whether a local server answers: a TCP connect with a short timeout (InfluxDB: GET /health).
// The probe runs in a child Node process so that describeWithServer can ask synchronously
// while vitest collects a file, and global-setup asks the same way, asynchronously.
import { execFile, spawnSync } from 'node:child_process';
import { type Endpoints, loadEndpoints, probeAddress, type ServerName } from './services.js';

export interface Reachability {
  isReachable: boolean;
  /** Where the probe went, and why it failed when it did. */
  detail: string;
}

const probeTimeoutMs = 1500;

// Plain JavaScript for `node -e`: argv is kind, host, port, timeoutMs. Exit 0 when reachable,
// otherwise exit 1 with the reason on stdout.
const probeScript = `
const [kind, host, port, timeoutMs] = process.argv.slice(1);
const fail = (why) => { process.stdout.write(String(why)); process.exit(1); };
if (kind === 'http-health') {
  fetch('http://' + host + ':' + port + '/health', { signal: AbortSignal.timeout(Number(timeoutMs)) })
    .then((res) => (res.ok ? process.exit(0) : fail('GET /health answered HTTP ' + res.status)))
    .catch((err) => fail(err.cause?.code ?? err.message));
} else {
  const socket = require('node:net').connect({ host, port: Number(port) });
  socket.setTimeout(Number(timeoutMs), () => fail('no answer within ' + timeoutMs + ' ms'));
  socket.on('connect', () => { socket.destroy(); process.exit(0); });
  socket.on('error', (err) => fail(err.code ?? err.message));
}
`;

function probeArgs(server: ServerName, endpoints: Endpoints): { args: string[]; target: string } {
  const { host, port } = probeAddress(server, endpoints);
  const kind = server === 'influxdb' ? 'http-health' : 'tcp';
  const target = server === 'influxdb' ? `http://${host}:${port}/health` : `${host}:${port}`;
  return { args: ['-e', probeScript, kind, host, String(port), String(probeTimeoutMs)], target };
}

function toReachability(target: string, status: number | null, output: string): Reachability {
  if (status === 0) return { isReachable: true, detail: target };
  return { isReachable: false, detail: `${target}: ${output.trim() || `probe exited with ${status}`}` };
}

/** Blocking probe, for use while vitest collects a test file. */
export function probeServerSync(server: ServerName, endpoints: Endpoints = loadEndpoints()): Reachability {
  const { args, target } = probeArgs(server, endpoints);
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: probeTimeoutMs + 3000 });
  return toReachability(target, result.status, result.stdout ?? String(result.error ?? ''));
}

export function probeServer(
  server: ServerName,
  endpoints: Endpoints = loadEndpoints(),
): Promise<Reachability> {
  const { args, target } = probeArgs(server, endpoints);
  return new Promise((resolve) => {
    execFile(process.execPath, args, { encoding: 'utf8', timeout: probeTimeoutMs + 3000 }, (err, stdout) => {
      const status = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve(toReachability(target, status, stdout || (err?.message ?? '')));
    });
  });
}
