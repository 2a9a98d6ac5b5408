// Publishers that are not gruwatch's code, as plants feed brokers: one message per line.
import { spawn } from 'node:child_process';

function runWithStdin(command: string, args: string[], input: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}: ${stderr}`)),
    );
    child.stdin.end(input);
  });
}

/** Publishes one message per line with mosquitto_pub at QoS 1, resolving when it exits. */
export function mosquittoPub(url: string, topic: string, lines: readonly string[]): Promise<void> {
  const { hostname, port } = new URL(url);
  return runWithStdin(
    'mosquitto_pub',
    ['-h', hostname, '-p', port, '-q', '1', '-t', topic, '-l'],
    `${lines.join('\n')}\n`,
  );
}

/** Publishes one binary message (e.g. a Sparkplug B payload) with mosquitto_pub at QoS 1. */
export function mosquittoPubBytes(url: string, topic: string, payload: Uint8Array): Promise<void> {
  const { hostname, port } = new URL(url);
  return runWithStdin('mosquitto_pub', ['-h', hostname, '-p', port, '-q', '1', '-t', topic, '-s'], payload);
}

/** Produces one record per line with kcat (acks from all in-sync replicas), resolving when it exits. */
export function kcatProduce(
  brokers: readonly string[],
  topic: string,
  lines: readonly string[],
): Promise<void> {
  return runWithStdin(
    'kcat',
    ['-P', '-b', brokers.join(','), '-t', topic, '-X', 'acks=all'],
    `${lines.join('\n')}\n`,
  );
}
