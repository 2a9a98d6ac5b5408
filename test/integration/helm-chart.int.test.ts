// The Helm chart (deploy/helm/gruwatch), offline: `helm lint`, `helm template` with the default
// values and with three Kafka replicas (ci/kafka-3-replicas-values.yaml), the rendered objects
// against the Kubernetes API schemas (kubernetes-validate, strict), the policies a plant expects
// on the rendered objects, the rendered gruwatch configuration through `gruwatch config check`,
// and the renders the chart must refuse.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { describeWithRequirement, onTeardown } from '../helpers/integration.js';
import { deployTools, isExecutable, runCommand } from '../helpers/tools.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(root, 'dist', 'bin', 'gruwatch.js');
const chart = join(root, 'deploy', 'helm', 'gruwatch');
const kafkaValues = join(chart, 'ci', 'kafka-3-replicas-values.yaml');
const run = (command: string, args: string[], env: NodeJS.ProcessEnv = process.env) =>
  runCommand(command, args, { cwd: root, env });

/** Where deploy/local/deploy-tools keeps helm (its `env` command names the pinned build). */
function helmPath(): string {
  const env = execFileSync(join(root, 'deploy', 'local', 'deploy-tools'), ['env'], { encoding: 'utf8' });
  return /^HELM=(.+)$/m.exec(env)?.[1] ?? '';
}
const helm = helmPath();

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `gruwatch-${prefix}-`));
  onTeardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Container {
  env: {
    name: string;
    value?: string;
    valueFrom?: Record<string, { name?: string; key?: string; fieldPath?: string }>;
  }[];
  startupProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  securityContext: Record<string, unknown>;
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}
type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
};
interface StatefulSetSpec {
  replicas: number;
  serviceName: string;
  selector: { matchLabels: Record<string, string> };
  volumeClaimTemplates: {
    metadata: { name: string };
    spec: { accessModes: string[]; storageClassName?: string; resources: { requests: { storage: string } } };
  }[];
  template: {
    metadata: { labels: Record<string, string> };
    spec: {
      automountServiceAccountToken: boolean;
      securityContext: Record<string, unknown>;
      containers: Container[];
      volumes: { name: string; configMap?: { name: string }; emptyDir?: unknown }[];
    };
  };
}

async function render(args: string[] = []): Promise<{ text: string; objects: K8sObject[] }> {
  const result = await run(helm, ['template', 'line-a', chart, '--namespace', 'plant', ...args]);
  expect(result.code, result.stderr).toBe(0);
  const objects = parseAllDocuments(result.stdout)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
  return { text: result.stdout, objects };
}

function only(objects: K8sObject[], kind: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind);
  expect(found.length, kind).toBe(1);
  return found[0] as K8sObject;
}

/** The `{ env: NAME }` secret references anywhere in a configuration. */
function secretVariables(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(secretVariables);
  if (node === null || typeof node !== 'object') return [];
  const entries = Object.entries(node);
  if (entries.length === 1 && entries[0]?.[0] === 'env' && typeof entries[0][1] === 'string')
    return [entries[0][1]];
  return entries.flatMap(([, value]) => secretVariables(value));
}

describeWithRequirement(
  {
    title: 'Helm chart',
    isMet: isExecutable(helm) && isExecutable(deployTools.kubernetesValidate) && existsSync(cli),
    need: 'helm, kubernetes-validate and the built CLI',
    problem: existsSync(cli) ? `missing: helm (${helm}) or kubernetes-validate` : `${cli} is missing`,
    hint: existsSync(cli) ? 'install them with: deploy/local/deploy-tools install' : 'run: npm run build',
  },
  () => {
    it('helm lint passes with the default values and with three Kafka replicas', async () => {
      for (const args of [[], ['--values', kafkaValues]]) {
        const result = await run(helm, ['lint', '--strict', chart, ...args]);
        expect(result.code, result.stdout + result.stderr).toBe(0);
        expect(result.stdout).toContain('0 chart(s) failed');
      }
    });

    it('both renders pass the Kubernetes API schemas in strict mode, and a misspelt field does not', async () => {
      const dir = tempDir('helm');
      const files: string[] = [];
      for (const [name, args] of [
        ['default', []],
        ['kafka', ['--values', kafkaValues]],
      ] as const) {
        const { objects } = await render([...args]);
        // The ServiceMonitor is a custom resource: the API schemas do not know it (checked below by shape).
        const core = objects.filter((o) => o.kind !== 'ServiceMonitor');
        const file = join(dir, `${name}.yaml`);
        writeFileSync(file, core.map((o) => `---\n${JSON.stringify(o)}\n`).join(''));
        files.push(file);
      }
      for (const version of ['1.28.0', '1.33.0']) {
        const result = await run(deployTools.kubernetesValidate, [
          '--strict',
          '--no-warn',
          '-k',
          version,
          ...files,
        ]);
        expect(result.code, result.stdout + result.stderr).toBe(0);
        // default: ConfigMap, Secret, two Services, StatefulSet, PDB; Kafka: the same without the
        // Secret, plus the retrain CronJob.
        expect(result.stdout.match(/ passed /g)?.length).toBe(6 + 6);
      }
      const { objects } = await render(['--set', 'securityContext.readOnlyRootFileSystem=true']);
      const broken = join(dir, 'broken.yaml');
      writeFileSync(broken, objects.map((o) => `---\n${JSON.stringify(o)}\n`).join(''));
      const refused = await run(deployTools.kubernetesValidate, [
        '--strict',
        '--no-warn',
        '-k',
        '1.33.0',
        broken,
      ]);
      expect(refused.code).not.toBe(0);
    });

    it('renders a locked-down StatefulSet with a volume per pod, probes and a PodDisruptionBudget', async () => {
      for (const args of [[], ['--values', kafkaValues]]) {
        const { objects } = await render(args);
        const sts = only(objects, 'StatefulSet');
        const spec = sts.spec as unknown as StatefulSetSpec;
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
        expect(pod.automountServiceAccountToken).toBe(false);
        expect(container.startupProbe.httpGet.path).toBe('/healthz');
        expect(container.livenessProbe.httpGet.path).toBe('/healthz');
        expect(container.readinessProbe.httpGet.path).toBe('/readyz');
        expect(container.resources.requests.memory).toBeDefined();
        expect(container.resources.limits.memory).toBeDefined();

        // State per pod: a ReadWriteOnce claim mounted at the data directory; /tmp the only other writable path.
        expect(spec.volumeClaimTemplates.map((v) => [v.metadata.name, v.spec.accessModes])).toEqual([
          ['data', ['ReadWriteOnce']],
        ]);
        const mounts = Object.fromEntries(container.volumeMounts.map((m) => [m.mountPath, m]));
        expect(mounts['/var/lib/gruwatch']?.name).toBe('data');
        expect(pod.volumes.find((v) => v.name === mounts['/tmp']?.name)?.emptyDir).toBeDefined();
        expect(mounts['/etc/gruwatch']?.readOnly).toBe(true);
        const configMap = only(objects, 'ConfigMap');
        expect(pod.volumes.find((v) => v.name === mounts['/etc/gruwatch']?.name)?.configMap?.name).toBe(
          configMap.metadata.name,
        );

        // The headless Service names the pods; the PDB selects exactly the StatefulSet's pods.
        const services = objects.filter((o) => o.kind === 'Service');
        expect(services.find((s) => s.metadata.name === spec.serviceName)?.spec).toMatchObject({
          clusterIP: 'None',
        });
        const pdb = only(objects, 'PodDisruptionBudget');
        expect(pdb.spec).toMatchObject({
          maxUnavailable: 1,
          selector: { matchLabels: spec.selector.matchLabels },
        });
        expect(spec.template.metadata.labels).toMatchObject(spec.selector.matchLabels);

        // The pod's name is its identity towards the broker.
        const env = Object.fromEntries(container.env.map((e) => [e.name, e]));
        expect(env.POD_NAME?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
        expect(env.GRUWATCH_INSTANCE?.value).toBe('$(POD_NAME)');
      }

      const defaults = await render();
      const defaultSpec = only(defaults.objects, 'StatefulSet').spec as unknown as StatefulSetSpec;
      expect(defaultSpec.replicas).toBe(1);
      const defaultEnv = defaultSpec.template.spec.containers[0]?.env.map((e) => e.name);
      expect(defaultEnv).toContain('GRUWATCH_INGEST__MQTT__CLIENT_ID');
      expect(defaultEnv).not.toContain('GRUWATCH_INGEST__KAFKA__CLIENT_ID');
      expect(defaults.objects.some((o) => o.kind === 'ServiceMonitor')).toBe(false);

      const kafka = await render(['--values', kafkaValues]);
      const kafkaSpec = only(kafka.objects, 'StatefulSet').spec as unknown as StatefulSetSpec;
      expect(kafkaSpec.replicas).toBe(3);
      expect(kafkaSpec.volumeClaimTemplates[0]?.spec).toMatchObject({
        storageClassName: 'fast-ssd',
        resources: { requests: { storage: '20Gi' } },
      });
      const kafkaEnv = kafkaSpec.template.spec.containers[0]?.env.map((e) => e.name);
      expect(kafkaEnv).toContain('GRUWATCH_INGEST__KAFKA__CLIENT_ID');
      expect(kafkaEnv).not.toContain('GRUWATCH_INGEST__MQTT__CLIENT_ID');
      const monitor = only(kafka.objects, 'ServiceMonitor');
      expect(monitor.spec).toMatchObject({ endpoints: [{ port: 'http', path: '/metrics' }] });
      const httpService = kafka.objects.find(
        (o) => o.kind === 'Service' && o.metadata.labels?.['app.kubernetes.io/component'] === 'http',
      );
      expect(httpService?.metadata.labels).toMatchObject(
        (monitor.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels,
      );
    });

    it('keeps secrets in the Secret: values never reach the ConfigMap, every { env } comes from a secretKeyRef', async () => {
      const sentinel = `mqtt-pw-${process.pid}-${Date.now()}`;
      const { text, objects } = await render([
        '--set-string',
        `secrets.values.mqtt-password=${sentinel}`,
        '--set-string',
        'secrets.env.GRUWATCH_MQTT_PASSWORD=mqtt-password',
        '--set-string',
        'config.ingest.mqtt.username=gruwatch',
        '--set-json',
        'config.ingest.mqtt.password={"env":"GRUWATCH_MQTT_PASSWORD"}',
      ]);
      // Not printed anywhere in the render, only base64 in the Secret.
      expect(text).not.toContain(sentinel);
      const secret = only(objects, 'Secret');
      expect(Buffer.from(secret.data?.['mqtt-password'] ?? '', 'base64').toString()).toBe(sentinel);
      // A generated API token: 32 characters, different on each render.
      const token = Buffer.from(secret.data?.['api-token'] ?? '', 'base64').toString();
      expect(token).toMatch(/^[A-Za-z0-9]{32}$/);
      const again = only((await render()).objects, 'Secret');
      expect(Buffer.from(again.data?.['api-token'] ?? '', 'base64').toString()).not.toBe(token);

      for (const [args, secretName] of [
        [[] as string[], 'line-a-gruwatch'],
        [['--values', kafkaValues], 'gruwatch-secrets'],
      ] as const) {
        const rendered = await render([...args]);
        const configText = only(rendered.objects, 'ConfigMap').data?.['gruwatch.yaml'] ?? '';
        const variables = secretVariables(parse(configText));
        expect(variables).toContain('GRUWATCH_API_TOKEN');
        const container = (only(rendered.objects, 'StatefulSet').spec as unknown as StatefulSetSpec).template
          .spec.containers[0];
        const env = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e]));
        for (const name of variables) {
          expect(env[name]?.value, name).toBeUndefined();
          expect(env[name]?.valueFrom?.secretKeyRef?.name, name).toBe(secretName);
        }
      }
    });

    it('the rendered configurations pass gruwatch config check as the pod sees them', async () => {
      const dir = tempDir('helm-config');
      for (const [name, args] of [
        ['default', []],
        ['kafka', ['--values', kafkaValues]],
      ] as const) {
        const { objects } = await render([...args]);
        const file = join(dir, `${name}.yaml`);
        writeFileSync(file, only(objects, 'ConfigMap').data?.['gruwatch.yaml'] ?? '');
        const container = (only(objects, 'StatefulSet').spec as unknown as StatefulSetSpec).template.spec
          .containers[0];
        // The pod's variables: literal values with $(POD_NAME) resolved, secrets given stand-in values.
        const env: NodeJS.ProcessEnv = { ...process.env };
        for (const e of container?.env ?? []) {
          if (e.value !== undefined) env[e.name] = e.value.replace('$(POD_NAME)', 'line-a-gruwatch-0');
          else if (e.valueFrom?.secretKeyRef !== undefined) env[e.name] = 'stand-in-secret';
        }
        const check = await run(process.execPath, [cli, 'config', 'check', file], env);
        expect(check.code, `${name}: ${check.stdout}${check.stderr}`).toBe(0);
        expect(check.stderr, `${name}: a deprecated key in the chart's configuration`).not.toMatch(
          /deprecated/i,
        );
        const printed = await run(process.execPath, [cli, 'config', 'print', file], env);
        expect(printed.code, printed.stderr).toBe(0);
        const config = parse(printed.stdout) as { instance: string; http: { host: string; port: number } };
        expect(config.instance).toBe('line-a-gruwatch-0');
        expect(config.http).toMatchObject({ host: '0.0.0.0', port: 8080 });
      }
    });

    it('retrains the Kafka replicas once per model with a locked-down CronJob on the shared registry', async () => {
      const { objects } = await render(['--values', kafkaValues]);
      const cronJobs = objects.filter((o) => o.kind === 'CronJob');
      expect(cronJobs.map((o) => o.metadata.name)).toEqual([
        expect.stringMatching(/^line-a-gruwatch-retrain-pumps-[0-9a-f]{8}$/),
      ]);
      const spec = cronJobs[0]!.spec as {
        concurrencyPolicy: string;
        timeZone: string;
        jobTemplate: {
          spec: {
            activeDeadlineSeconds: number;
            template: { spec: StatefulSetSpec['template']['spec'] & { restartPolicy: string } };
          };
        };
      };
      expect(spec.concurrencyPolicy).toBe('Forbid');
      expect(spec.timeZone).toBe('Europe/Berlin');
      expect(spec.jobTemplate.spec.activeDeadlineSeconds).toBeGreaterThan(0);
      // No selector of the service's objects takes the job's pods: a PodDisruptionBudget that selects
      // Job pods allows no eviction at all, and a StatefulSet must own its pods alone.
      const jobLabels = (
        spec.jobTemplate.spec.template as unknown as { metadata: { labels: Record<string, string> } }
      ).metadata.labels;
      for (const o of objects) {
        const selector = (o.spec as { selector?: Record<string, unknown> } | undefined)?.selector;
        if (selector === undefined) continue;
        const labels = (o.kind === 'Service' ? selector : selector.matchLabels) as Record<string, string>;
        const selects = Object.entries(labels).every(([k, v]) => jobLabels[k] === v);
        expect(selects, `${o.kind} ${o.metadata.name} selects the retrain job's pods`).toBe(false);
      }
      const pod = spec.jobTemplate.spec.template.spec;
      const job = pod.containers[0] as Container & { args: string[] };
      expect(job.args).toEqual(['retrain', '-c', '/etc/gruwatch/gruwatch.yaml', '--model', 'pumps']);
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
      expect(job.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      // Writable only its scratch directory and /tmp, both emptyDir: the pods' volumes stay theirs.
      const mounts = Object.fromEntries(job.volumeMounts.map((m) => [m.mountPath, m.name]));
      for (const path of ['/var/lib/gruwatch', '/tmp'])
        expect(pod.volumes.find((v) => v.name === mounts[path])?.emptyDir, path).toBeDefined();
      const configMap = only(objects, 'ConfigMap');
      expect(pod.volumes.find((v) => v.name === mounts['/etc/gruwatch'])?.configMap?.name).toBe(
        configMap.metadata.name,
      );

      // The job's configuration, as its container sees it, passes `config check`; the pods train nothing.
      const dir = tempDir('helm-retrain');
      const file = join(dir, 'gruwatch.yaml');
      writeFileSync(file, configMap.data?.['gruwatch.yaml'] ?? '');
      const env: NodeJS.ProcessEnv = { ...process.env };
      for (const e of job.env) {
        if (e.value !== undefined) env[e.name] = e.value;
        else if (e.valueFrom?.secretKeyRef !== undefined) env[e.name] = 'stand-in-secret';
      }
      const check = await run(process.execPath, [cli, 'config', 'check', file], env);
      expect(check.code, check.stdout + check.stderr).toBe(0);
      const printed = parse((await run(process.execPath, [cli, 'config', 'print', file], env)).stdout) as {
        retraining: { enabled: boolean; source: string; shadowMs: number };
        registry: { s3?: unknown };
      };
      expect(printed.retraining).toMatchObject({ enabled: false, source: 'influxdb', shadowMs: 0 });
      expect(printed.registry.s3).toBeDefined();
      expect((await render()).objects.some((o) => o.kind === 'CronJob')).toBe(false);
      // A model name that is no valid Kubernetes name still names its CronJob; the flag keeps it exact.
      const [other] = (
        await render(['--values', kafkaValues, '--set', 'config.ingest.assets[0].model=Pumps_Line.A'])
      ).objects.filter((o) => o.kind === 'CronJob');
      expect(other?.metadata.name).toMatch(/^line-a-gruwatch-retrain-pumps-line-a-[0-9a-f]{8}$/);
      expect(JSON.stringify(other?.spec)).toContain('"--model","Pumps_Line.A"');
    });

    it('refuses a retrain CronJob beside trainers in the pods, without a shared registry or without InfluxDB data', async () => {
      for (const [set, message] of [
        ['config.retraining.enabled=true', 'config.retraining.enabled: false'],
        ['config.retraining.source=store', 'retraining source influxdb for model "pumps"'],
        ['config.registry=null', 'config.registry.s3'],
        ['config.retraining.models.pumps.enabled=true', 'retraining off in the pods for model "pumps"'],
        ['config.retraining.models.pumps.source=store', 'retraining source influxdb for model "pumps"'],
        ['config.retraining.models.pumps.shadowMs=3600000', 'shadowMs 0 for model "pumps"'],
        ['retrainJob.models={valves}', 'retrainJob.models names "valves"'],
      ] as const) {
        const refused = await run(helm, ['template', 'line-a', chart, '--values', kafkaValues, '--set', set]);
        expect(refused.code, set).not.toBe(0);
        expect(refused.stderr, set).toContain(message);
      }
      const mqtt = await run(helm, ['template', 'line-a', chart, '--set', 'retrainJob.enabled=true']);
      expect(mqtt.code).not.toBe(0);
      expect(mqtt.stderr).toContain('retrainJob.enabled needs the Kafka source alone');
    });

    it('refuses more than one replica without Kafka alone, and a Secret key nothing provides', async () => {
      const mqtt = await run(helm, ['template', 'line-a', chart, '--set', 'replicas=3']);
      expect(mqtt.code).not.toBe(0);
      expect(mqtt.stderr).toContain('replicas > 1 needs the Kafka source alone');
      const both = await run(helm, [
        'template',
        'line-a',
        chart,
        '--values',
        kafkaValues,
        '--set-json',
        'config.ingest.mqtt={"url":"mqtt://mosquitto:1883","topics":["plants/{site}/{asset}/telemetry"]}',
      ]);
      expect(both.code).not.toBe(0);
      expect(both.stderr).toContain('replicas > 1 needs the Kafka source alone');
      const missing = await run(helm, [
        'template',
        'line-a',
        chart,
        '--set-string',
        'secrets.env.GRUWATCH_INFLUXDB_TOKEN=influxdb-token',
      ]);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain('influxdb-token');
    });
  },
);
