// The deployment files checked by the tools their targets use, offline: the systemd unit by
// systemd-analyze (verify, and the security exposure against a bound), the Kubernetes manifests
// against the API schemas (kubernetes-validate, strict) plus the policies a plant expects, the
// compose file by a compose loader, the Dockerfile by hadolint, and every shipped gruwatch
// configuration by `gruwatch config check`. Each checker is also shown a broken copy it must refuse.
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { describeWithRequirement, onTeardown } from '../helpers/integration.js';
import { deployTools, isExecutable, isOnPath, runCommand } from '../helpers/tools.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(root, 'dist', 'bin', 'gruwatch.js');
const deploy = (...parts: string[]) => join(root, 'deploy', ...parts);
const run = (command: string, args: string[], env: NodeJS.ProcessEnv = process.env) =>
  runCommand(command, args, { cwd: root, env });

/** A temporary directory removed after the current test. */
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `gruwatch-${prefix}-`));
  onTeardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const missing = [
  ...(isOnPath('systemd-analyze') ? [] : ['systemd-analyze']),
  ...Object.entries(deployTools)
    .filter(([, path]) => !isExecutable(path))
    .map(([name]) => name),
];

// The secrets the shipped configurations name, so that `config check` can resolve them.
const secretsEnv: NodeJS.ProcessEnv = {
  ...process.env,
  GRUWATCH_API_TOKEN: 'a-token',
  GRUWATCH_MQTT_PASSWORD: 'a-password',
  GRUWATCH_INFLUXDB_TOKEN: 'user:password',
  GRUWATCH_WEBHOOK_KEY: 'a-key',
};

type K8sObject = { kind: string; metadata: { name: string }; spec?: Record<string, unknown> } & Record<
  string,
  unknown
>;

function k8sObjects(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(deploy('k8s', file), 'utf8')).map((doc) => doc.toJS() as K8sObject);
}

/** The gruwatch configuration the ConfigMap carries. */
function k8sConfigText(): string {
  const [configMap] = k8sObjects('configmap.yaml');
  const text = (configMap?.data as Record<string, string> | undefined)?.['gruwatch.yaml'];
  if (text === undefined) throw new Error('configmap.yaml has no data.gruwatch.yaml');
  return text;
}

describeWithRequirement(
  {
    title: 'deployment files',
    isMet: missing.length === 0 && existsSync(cli),
    need: 'systemd-analyze, kubernetes-validate, hadolint and podman-compose',
    problem: existsSync(cli) ? `missing: ${missing.join(', ')}` : `${cli} is missing`,
    hint: existsSync(cli) ? 'install them with: deploy/local/deploy-tools install' : 'run: npm run build',
  },
  () => {
    it('systemd: the unit verifies and its exposure stays at or below 2.0', async () => {
      // verify resolves ExecStart= and the targets in a root of its own: a stand-in gruwatch and the host's units.
      const sysroot = tempDir('systemd');
      mkdirSync(join(sysroot, 'usr', 'local', 'bin'), { recursive: true });
      mkdirSync(join(sysroot, 'etc', 'systemd', 'system'), { recursive: true });
      writeFileSync(join(sysroot, 'usr', 'local', 'bin', 'gruwatch'), '#!/bin/sh\n', { mode: 0o755 });
      cpSync('/usr/lib/systemd/system', join(sysroot, 'usr', 'lib', 'systemd', 'system'), {
        recursive: true,
        verbatimSymlinks: true,
      });
      const unit = join(sysroot, 'etc', 'systemd', 'system', 'gruwatch.service');
      copyFileSync(deploy('systemd', 'gruwatch.service'), unit);
      const verified = await run('systemd-analyze', ['verify', `--root=${sysroot}`, unit]);
      expect(verified, 'systemd-analyze verify').toEqual({ code: 0, stdout: '', stderr: '' });

      // A misspelt key is only a warning for systemd: the empty stderr above is what catches it.
      const broken = join(sysroot, 'etc', 'systemd', 'system', 'broken.service');
      writeFileSync(broken, readFileSync(unit, 'utf8').replace('TimeoutStopSec=', 'TimeoutStopSecs='));
      expect((await run('systemd-analyze', ['verify', `--root=${sysroot}`, broken])).stderr).toContain(
        'TimeoutStopSecs',
      );

      const security = await run('systemd-analyze', [
        'security',
        '--offline=yes',
        '--threshold=20',
        '--no-pager',
        deploy('systemd', 'gruwatch.service'),
      ]);
      expect(security.code, security.stdout + security.stderr).toBe(0);
      const exposure = Number(
        /Overall exposure level for gruwatch\.service: ([\d.]+)/.exec(security.stdout)?.[1],
      );
      expect(exposure).toBeLessThanOrEqual(2.0);

      const text = readFileSync(deploy('systemd', 'gruwatch.service'), 'utf8');
      const settings = new Map(
        text
          .split('\n')
          .filter((line) => /^[A-Za-z]+=/.test(line))
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
      );
      expect(settings.get('DynamicUser')).toBe('yes');
      expect(settings.get('StateDirectory')).toBe('gruwatch');
      expect(settings.get('Restart')).toBe('on-failure');
      expect(settings.get('TimeoutStopSec')).toBe('30s');
      // V8 writes and then executes machine code: this setting would crash Node at start.
      expect(settings.has('MemoryDenyWriteExecute')).toBe(false);
    });

    it('Kubernetes: every manifest passes the API schemas in strict mode, and a broken one does not', async () => {
      const files = ['configmap.yaml', 'service.yaml', 'statefulset.yaml', 'poddisruptionbudget.yaml'].map(
        (f) => deploy('k8s', f),
      );
      const kustomization = parse(readFileSync(deploy('k8s', 'kustomization.yaml'), 'utf8')) as {
        resources: string[];
      };
      expect(kustomization.resources.map((f) => deploy('k8s', f)).sort()).toEqual([...files].sort());
      for (const version of ['1.28.0', '1.33.0']) {
        const result = await run(deployTools.kubernetesValidate, [
          '--strict',
          '--no-warn',
          '-k',
          version,
          ...files,
        ]);
        expect(result.code, result.stdout + result.stderr).toBe(0);
        expect(result.stdout.match(/ passed /g)?.length).toBe(5);
      }
      const dir = tempDir('k8s');
      const broken = join(dir, 'statefulset.yaml');
      writeFileSync(
        broken,
        readFileSync(deploy('k8s', 'statefulset.yaml'), 'utf8').replace(
          'readOnlyRootFilesystem:',
          'readOnlyRootFileSystem:',
        ),
      );
      const refused = await run(deployTools.kubernetesValidate, [
        '--strict',
        '--no-warn',
        '-k',
        '1.33.0',
        broken,
      ]);
      expect(refused.code).not.toBe(0);
    });

    it('Kubernetes: the StatefulSet keeps state per pod, takes its identity from the pod name and runs locked down', () => {
      const [sts] = k8sObjects('statefulset.yaml') as [K8sObject];
      expect(sts.kind).toBe('StatefulSet');
      const spec = sts.spec as {
        serviceName: string;
        volumeClaimTemplates: { metadata: { name: string }; spec: { accessModes: string[] } }[];
        template: {
          metadata: { annotations: Record<string, string> };
          spec: {
            terminationGracePeriodSeconds: number;
            securityContext: Record<string, unknown>;
            containers: {
              env: {
                name: string;
                value?: string;
                valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string } };
              }[];
              livenessProbe: { httpGet: { path: string } };
              readinessProbe: { httpGet: { path: string } };
              resources: { requests: { cpu: string; memory: string }; limits: { memory: string } };
              securityContext: Record<string, unknown> & { capabilities: { drop: string[] } };
              volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
            }[];
            volumes: { name: string; configMap?: { name: string } }[];
          };
        };
      };
      const services = k8sObjects('service.yaml');
      expect(services.find((s) => s.metadata.name === spec.serviceName)?.spec).toMatchObject({
        clusterIP: 'None',
      });
      expect(spec.volumeClaimTemplates.map((v) => [v.metadata.name, v.spec.accessModes])).toEqual([
        ['data', ['ReadWriteOnce']],
      ]);

      const pod = spec.template.spec;
      const [container] = pod.containers;
      if (container === undefined) throw new Error('no container');
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001 });
      expect(container.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 10001,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      expect(container.livenessProbe.httpGet.path).toBe('/healthz');
      expect(container.readinessProbe.httpGet.path).toBe('/readyz');
      expect(spec.template.metadata.annotations).toMatchObject({
        'prometheus.io/scrape': 'true',
        'prometheus.io/path': '/metrics',
      });
      // The drain on SIGTERM (sinks closed within 5 s each) fits in the grace period.
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(15);

      // Writable: the data volume and /tmp; the configuration is mounted read-only from the ConfigMap.
      const mounts = Object.fromEntries(container.volumeMounts.map((m) => [m.mountPath, m]));
      expect(mounts['/var/lib/gruwatch']?.name).toBe('data');
      expect(mounts['/tmp']).toBeDefined();
      expect(mounts['/etc/gruwatch']?.readOnly).toBe(true);
      const [configMap] = k8sObjects('configmap.yaml');
      expect(pod.volumes.find((v) => v.name === mounts['/etc/gruwatch']?.name)?.configMap?.name).toBe(
        configMap?.metadata.name,
      );

      const env = Object.fromEntries(container.env.map((e) => [e.name, e]));
      expect(env.POD_NAME?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
      for (const name of [
        'GRUWATCH_INSTANCE',
        'GRUWATCH_INGEST__MQTT__CLIENT_ID',
        'GRUWATCH_INGEST__MQTT__STATUS_TOPIC',
      ]) {
        expect(env[name]?.value, name).toContain('$(POD_NAME)');
      }
      // Every secret the configuration names comes from a Secret, never from a literal value.
      const config = k8sConfigText();
      const secretNames = [...config.matchAll(/\{ env: (\w+) \}/g)].map((m) => m[1] as string);
      expect(secretNames.length).toBeGreaterThan(0);
      for (const name of secretNames)
        expect(env[name]?.valueFrom?.secretKeyRef?.name, name).toBe('gruwatch-secrets');

      // Sized from the measured figures: ~230 MB scoring, ~740 MB peak while training.
      const mib = (q: string) => Number.parseInt(q, 10) * (q.endsWith('Gi') ? 1024 : 1);
      expect(mib(container.resources.requests.memory)).toBeGreaterThanOrEqual(256);
      expect(mib(container.resources.limits.memory)).toBeGreaterThanOrEqual(1024);

      const [pdb] = k8sObjects('poddisruptionbudget.yaml');
      expect(pdb?.spec).toMatchObject({
        selector: { matchLabels: { 'app.kubernetes.io/name': 'gruwatch' } },
      });
      const [monitor] = k8sObjects('servicemonitor.yaml');
      expect(monitor?.spec).toMatchObject({ endpoints: [{ port: 'http', path: '/metrics' }] });
    });

    it('the shipped configurations (example, compose, Kubernetes) pass gruwatch config check without a deprecated key', async () => {
      const dir = tempDir('configs');
      const k8sConfig = join(dir, 'k8s.yaml');
      writeFileSync(k8sConfig, k8sConfigText());
      for (const file of [deploy('config', 'example.yaml'), deploy('compose', 'gruwatch.yaml'), k8sConfig]) {
        const result = await run(process.execPath, [cli, 'config', 'check', file], secretsEnv);
        expect(result.code, `${file}: ${result.stderr}`).toBe(0);
        // A deprecated key in a shipped file would warn at every start of every installation.
        expect(result.stderr, file).not.toMatch(/deprecated/i);
      }
    });

    it('compose: the loader accepts the stack, which publishes on loopback only and runs gruwatch read-only', async () => {
      const loaded = await run(deployTools.podmanCompose, [
        '-f',
        deploy('compose', 'compose.yaml'),
        'config',
      ]);
      expect(loaded.code, loaded.stderr).toBe(0);
      const stack = parse(loaded.stdout) as {
        services: Record<
          string,
          {
            image?: string;
            build?: { dockerfile: string };
            ports?: string[];
            read_only?: boolean;
            volumes?: string[];
            depends_on?: Record<string, unknown>;
          }
        >;
      };
      expect(Object.keys(stack.services).sort()).toEqual([
        'grafana',
        'gruwatch',
        'influxdb',
        'mosquitto',
        'seed',
        'simulator',
      ]);
      for (const [name, service] of Object.entries(stack.services)) {
        for (const port of service.ports ?? [])
          expect(port, `${name} publishes ${port}`).toMatch(/^127\.0\.0\.1:/);
        for (const volume of service.volumes ?? []) {
          const source = volume.split(':')[0] ?? '';
          if (source.startsWith('.'))
            expect(existsSync(join(deploy('compose'), source)), `${name} mounts ${source}`).toBe(true);
        }
      }
      for (const name of ['gruwatch', 'seed', 'simulator'])
        expect(stack.services[name]?.read_only, name).toBe(true);
      for (const name of ['gruwatch', 'seed', 'simulator'])
        expect(stack.services[name]?.build?.dockerfile, name).toBe('deploy/container/Dockerfile');
      expect(stack.services.gruwatch?.depends_on).toHaveProperty('seed');
      // Every Grafana dashboard of the repository is provisioned.
      const grafanaMounts = (stack.services.grafana?.volumes ?? []).join('\n');
      for (const dashboard of ['fleet-overview.json', 'asset.json', 'pipeline-health.json'])
        expect(grafanaMounts).toContain(dashboard);

      const dir = tempDir('compose');
      writeFileSync(
        join(dir, 'compose.yaml'),
        'services:\n  gruwatch:\n    image: gruwatch\n    ports: 8080\n  - oops\n',
      );
      expect(
        (await run(deployTools.podmanCompose, ['-f', join(dir, 'compose.yaml'), 'config'])).code,
      ).not.toBe(0);
    });

    it('container: hadolint finds nothing in the Dockerfile and flags a root user and unpinned installs', async () => {
      const linted = await run(deployTools.hadolint, [deploy('container', 'Dockerfile')]);
      expect(linted, 'hadolint').toEqual({ code: 0, stdout: '', stderr: '' });
      const text = readFileSync(deploy('container', 'Dockerfile'), 'utf8');
      expect(text).toMatch(/^USER 10001:10001$/m);
      expect(text).toMatch(/^HEALTHCHECK .*\n\s+CMD \["node", /m);
      expect(text).toMatch(/^ENTRYPOINT \["\/usr\/local\/bin\/tini", "--", "gruwatch"\]$/m);
      expect(text).toMatch(/org\.opencontainers\.image\.version/);
      // The runtime stage copies from the build stage and runs nothing: no compiler, no package manager.
      const runtime = text.slice(text.lastIndexOf('\nFROM '));
      expect(runtime).not.toMatch(/^RUN /m);

      const dir = tempDir('dockerfile');
      writeFileSync(join(dir, 'Dockerfile'), `${text}\nUSER root\nRUN apt-get install -y curl\n`);
      expect((await run(deployTools.hadolint, [join(dir, 'Dockerfile')])).code).not.toBe(0);
    });
  },
);
