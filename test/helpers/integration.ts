// The toolbox of the integration tests: suites that need a real server, bounded waiting,
// unique names, per-test teardown, and stopping/starting servers for outage tests.
// A missing server skips the suite locally (loudly) and fails it under CI=true.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, it, onTestFinished, TestRunner } from 'vitest';
import { probeServerSync } from './reachability.js';
import { repositoryRoot } from './repository-root.js';
import { type Endpoints, loadEndpoints, type ServerName } from './services.js';

export type { Endpoints, ServerName } from './services.js';

export const servicesScript = join(repositoryRoot, 'deploy', 'local', 'services');

export function isCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/**
 * Defines a suite that needs something outside the test (a server, a browser). When it is missing:
 * under CI=true the suite FAILS (a test that throws a clear error naming `hint`); locally it is
 * skipped with one loud line on stderr naming `hint`. The one place a suite is ever skipped.
 */
export function describeWithRequirement(
  requirement: { title: string; isMet: boolean; need: string; problem: string; hint: string },
  body: () => void,
): void {
  const { title, isMet, need, problem, hint } = requirement;
  if (isMet) {
    describe(title, body);
    return;
  }
  if (isCi()) {
    describe(title, () => {
      it(`needs ${need}`, () => {
        throw new Error(`${problem}; CI=true forbids skipping; ${hint}`);
      });
    });
    return;
  }
  process.stderr.write(`\n!!! SKIPPED "${title}": ${problem}; ${hint}\n\n`);
  describe.skip(title, body);
}

/** Defines a suite that needs a real server (see describeWithRequirement for what happens without it). */
export function describeWithServer<S extends ServerName>(
  server: S,
  title: string,
  body: (endpoints: Endpoints[S]) => void,
): void {
  const endpoints = loadEndpoints();
  const reachability = probeServerSync(server, endpoints);
  describeWithRequirement(
    {
      title,
      isMet: reachability.isReachable,
      need: `a reachable ${server}`,
      problem: `${server} is not reachable (${reachability.detail})`,
      hint: `start it with: deploy/local/services up ${server}`,
    },
    () => body(endpoints[server]),
  );
}

function describeValue(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Polls `probe` until it returns a value that is not undefined/false (or stops throwing), bounded by timeoutMs (default 15000); on timeout throws an Error naming `what` and the last error/value.
 *  A throw means "not yet", like undefined and false; an assertion-style probe therefore ends with `return true`. */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  options: { what: string; timeoutMs?: number; intervalMs?: number },
): Promise<Exclude<T, undefined | false>> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let last = 'the probe never ran';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as Exclude<T, undefined | false>;
      last = `last value ${describeValue(value)}`;
    } catch (err) {
      last = `last error ${describeValue(err)}`;
    }
    if (Date.now() >= deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${options.what} (${last})`);
    }
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(intervalMs, Math.max(0, deadline - Date.now()))),
    );
  }
}

/** A unique, readable name for a topic / consumer group / database / client id: `${prefix}-${random}`.
 *  Only [A-Za-z0-9_-] after the prefix, so it is valid for Kafka, MQTT and InfluxDB alike. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

type Teardown = () => unknown | Promise<unknown>;
const teardownStacks = new WeakMap<object, Teardown[]>();

/** Registers cleanup to run after the current test (LIFO), errors logged not thrown. */
export function onTeardown(fn: Teardown): void {
  const test = TestRunner.getCurrentTest();
  if (test === undefined) {
    throw new Error(
      'onTeardown must be called inside a test (or beforeEach), not at collection or in beforeAll',
    );
  }
  let stack = teardownStacks.get(test);
  if (stack === undefined) {
    const fresh: Teardown[] = [];
    stack = fresh;
    teardownStacks.set(test, fresh);
    onTestFinished(async () => {
      teardownStacks.delete(test);
      for (let next = fresh.pop(); next !== undefined; next = fresh.pop()) {
        try {
          await next();
        } catch (err) {
          process.stderr.write(`teardown of "${test.name}" failed (ignored): ${describeValue(err)}\n`);
        }
      }
    });
  }
  stack.push(fn);
}

function runServices(action: 'start' | 'stop' | 'restart', server: ServerName): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('bash', [servicesScript, action, server], { timeout: 180_000 }, (err, _stdout, stderr) => {
      if (err === null) resolve();
      else reject(new Error(`deploy/local/services ${action} ${server} failed: ${err.message}\n${stderr}`));
    });
  });
}

/** Stop / start / restart one local server through deploy/local/services (for outage tests). */
export function stopServer(server: ServerName): Promise<void> {
  return runServices('stop', server);
}
export function startServer(server: ServerName): Promise<void> {
  return runServices('start', server);
}
export function restartServer(server: ServerName): Promise<void> {
  return runServices('restart', server);
}
