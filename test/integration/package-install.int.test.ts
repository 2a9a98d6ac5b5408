// The npm package as a plant installs it: `npm pack`, then `npm install -g` of the tarball into an
// empty prefix (better-sqlite3 builds or fetches its native module there), then the `gruwatch` on
// that prefix's PATH runs the README's commands and a short demo whose page answers.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { describeWithRequirement, onTeardown, waitFor } from '../helpers/integration.js';
import { isOnPath, runCommand } from '../helpers/tools.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };
const run = (
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
) => runCommand(command, args, { cwd: root, ...options });

const toolchain = ['npm', 'make', 'g++', 'python3'].filter((tool) => !isOnPath(tool));
const isBuilt =
  existsSync(join(root, 'dist', 'bin', 'gruwatch.js')) &&
  existsSync(join(root, 'dashboards', 'web', 'dist', 'index.html'));

describeWithRequirement(
  {
    title: 'npm package installed globally from its tarball',
    isMet: toolchain.length === 0 && isBuilt,
    need: 'npm, a C++ toolchain and a build',
    problem: isBuilt
      ? `missing on PATH: ${toolchain.join(', ')}`
      : 'dist/ or dashboards/web/dist/ is missing',
    hint: isBuilt ? 'install them with: apt-get install make g++ python3' : 'run: npm run build',
  },
  () => {
    const work = mkdtempSync(join(tmpdir(), 'gruwatch-pack-'));
    const prefix = join(work, 'prefix');
    // Only the prefix's bin/ and node's own directory: the gruwatch that runs is the installed one.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: [join(prefix, 'bin'), dirname(process.execPath), process.env.PATH ?? ''].join(delimiter),
    };
    // A plant's shell has no gruwatch settings and none of the npm_* variables `npm run`/`npx` export.
    for (const key of Object.keys(env)) {
      if ((key.startsWith('GRUWATCH_') && key !== 'GRUWATCH_TEST_ARTIFACTS_DIR') || key.startsWith('npm_'))
        delete env[key];
    }
    env.npm_config_update_notifier = 'false';
    let files: string[] = [];

    beforeAll(async () => {
      const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
        timeoutMs: 120_000,
      });
      expect(packed.code, packed.stderr).toBe(0);
      const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
      if (info === undefined) throw new Error(`npm pack printed no package: ${packed.stdout}`);
      files = info.files.map((f) => f.path);
      // The npm cache of earlier installs serves the dependencies; only better-sqlite3 builds.
      const installed = await run(
        'npm',
        [
          'install',
          '--global',
          '--prefix',
          prefix,
          '--prefer-offline',
          '--no-audit',
          '--no-fund',
          '--foreground-scripts',
          join(work, info.filename),
        ],
        { cwd: work, env, timeoutMs: 840_000 },
      );
      expect(installed.code, `${installed.stdout}\n${installed.stderr}`).toBe(0);
    }, 900_000);
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    it('ships the built code, the page, the deployment files and no tests or sources', () => {
      for (const path of [
        'dist/bin/gruwatch.js',
        'dashboards/web/dist/index.html',
        'dashboards/grafana/fleet-overview.json',
        'deploy/config/example.yaml',
        'deploy/systemd/gruwatch.service',
        'deploy/container/healthcheck.mjs',
        'deploy/k8s/statefulset.yaml',
        'deploy/helm/gruwatch/Chart.yaml',
        'deploy/helm/gruwatch/templates/statefulset.yaml',
        'deploy/compose/compose.yaml',
      ]) {
        expect(files).toContain(path);
      }
      expect(
        files.filter((f) => /\.test\.|(^|\/)test\/|\.ts$|screenshots\/|^deploy\/local\//.test(f)),
      ).toEqual([]);
    });

    it('puts gruwatch on the PATH of the prefix, with the package version', async () => {
      const which = await run('sh', ['-c', 'command -v gruwatch'], { env });
      expect(which.stdout.trim()).toBe(join(prefix, 'bin', 'gruwatch'));
      const version = await run('gruwatch', ['--version'], { env, cwd: work });
      expect(version).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    });

    it('runs the README configuration commands', async () => {
      const example = join(prefix, 'lib', 'node_modules', pkg.name, 'deploy', 'config', 'example.yaml');
      const secrets = {
        GRUWATCH_API_TOKEN: 'a-token',
        GRUWATCH_MQTT_PASSWORD: 'a-password',
        GRUWATCH_INFLUXDB_TOKEN: 'user:password',
        GRUWATCH_WEBHOOK_KEY: 'a-key',
      };
      const check = await run('gruwatch', ['config', 'check', example], {
        env: { ...env, ...secrets },
        cwd: work,
      });
      expect(check.code, check.stderr).toBe(0);
      // The same file without its secrets is refused with the configuration exit status.
      const refused = await run('gruwatch', ['config', 'check', example], { env, cwd: work });
      expect(refused.code).toBe(78);
      expect(refused.stderr).toContain('GRUWATCH_MQTT_PASSWORD');
      const schema = await run('gruwatch', ['config', 'schema'], { env, cwd: work });
      expect(JSON.parse(schema.stdout)).toHaveProperty('properties.ingest');
      const overrides = await run('gruwatch', ['config', 'env'], { env, cwd: work });
      expect(overrides.stdout).toContain('GRUWATCH_HTTP__PORT');
      const printed = await run('gruwatch', ['config', 'print', example], {
        env: { ...env, ...secrets },
        cwd: work,
      });
      expect(printed.code, printed.stderr).toBe(0);
      expect(printed.stdout).not.toContain('a-password');
      const commands = ['run', 'train', 'simulate', 'models', 'webhooks', 'eval', 'demo'];
      const helps = await Promise.all(
        commands.map((command) => run('gruwatch', [command, '--help'], { env, cwd: work })),
      );
      helps.forEach((help, i) => {
        expect(help.code, `gruwatch ${commands[i]} --help: ${help.stderr}`).toBe(0);
        expect(help.stdout).toContain(`Usage: gruwatch ${commands[i]}`);
      });
    });

    it('runs a short demo whose page and health endpoint answer, and stops on SIGINT', async () => {
      const port = await freePort();
      const demo: ChildProcess = spawn(
        'gruwatch',
        [
          'demo',
          '--port',
          String(port),
          '--assets',
          '1',
          '--training-hours',
          '1',
          '--anomaly-every-s',
          '600',
        ],
        { env, cwd: work, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      demo.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      demo.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        demo.once('exit', (code, signal) => resolve({ code, signal })),
      );
      onTeardown(() => demo.kill('SIGKILL'));
      const base = `http://127.0.0.1:${port}`;
      await waitFor(() => out.includes(`open ${base}/`), {
        what: `the demo's page URL (output so far: ${out.slice(-500)})`,
        timeoutMs: 90_000,
      });
      const page = await fetch(`${base}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(await page.text()).toContain('<script');
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      demo.kill('SIGINT');
      expect(await exited).toEqual({ code: 0, signal: null });
    });
  },
);
