// `gruwatch run` as a child process of the built CLI, and what tests read from
// it from outside: Prometheus metrics and InfluxDB through InfluxQL.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from './repository-root.js';

export const gruwatchCli = join(repositoryRoot, 'dist', 'bin', 'gruwatch.js');
export const testArtifactsDir =
  process.env.GRUWATCH_TEST_ARTIFACTS_DIR ?? join(repositoryRoot, 'test-artifacts');

/** Starts `gruwatch <args>`; its output goes to `logFile` when it exits. */
export function spawnGruwatch(args: readonly string[], logFile: string): ChildProcess {
  const child = spawn(process.execPath, [gruwatchCli, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GRUWATCH_LOGGING__LEVEL: 'info' },
  });
  const chunks: string[] = [];
  child.stdout?.on('data', (d: Buffer) => chunks.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => chunks.push(d.toString()));
  child.on('exit', () => writeFileSync(logFile, chunks.join('')));
  return child;
}

/** Sum of every series of a metric (all label sets). */
export async function metricSum(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(name)) sum += Number(line.split(' ').at(-1));
  return sum;
}

/** A quantile of a Prometheus histogram, read as the upper bound of the bucket it falls in. */
export async function histogramQuantile(port: number, name: string, q: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const buckets = [...text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\d+)`, 'gm'))].map(
    (m) => ({
      le: Number(m[1]),
      count: Number(m[2]),
    }),
  );
  const total = buckets.at(-1)?.count ?? 0;
  return buckets.find((b) => b.count >= q * total)?.le ?? Number.NaN;
}
