// The container image, built from this checkout and run here. No registry is reachable, so
// deploy/container/build-local makes its Node and build bases from Debian packages (mmdebstrap,
// kept in the tools cache) and builds deploy/container/Dockerfile with podman; check-local then
// runs the image the way a plant would and checks each promise of the Dockerfile. A build from an
// unchanged checkout reuses podman's layers; a cold one takes minutes on two cores.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { describeWithRequirement } from '../helpers/integration.js';
import { isOnPath, runCommand } from '../helpers/tools.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const checkLocal = join(root, 'deploy', 'container', 'check-local');
const buildTimeoutMs = 45 * 60_000;
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

const missing = ['podman', 'runc', 'mmdebstrap'].filter((tool) => !isOnPath(tool));

describeWithRequirement(
  {
    title: 'container image',
    isMet: missing.length === 0 && existsSync(checkLocal),
    need: 'podman, runc and mmdebstrap',
    problem: `missing: ${missing.join(', ')}`,
    hint: 'install them with: deploy/local/deploy-tools install-container',
  },
  () => {
    it(
      'builds, runs read-only as user 10001 with a passing health check, serves the demo, stops on SIGTERM and takes its configuration from a mounted file and GRUWATCH_ variables',
      async () => {
        const image = `localhost/gruwatch-test:${process.pid}`;
        const result = await runCommand('bash', [checkLocal], {
          cwd: root,
          env: { ...process.env, GRUWATCH_IMAGE: image },
          timeoutMs: buildTimeoutMs,
        });
        try {
          const lastLines = result.stderr.split('\n').slice(-40).join('\n');
          expect(result.code, lastLines).toBe(0);
          // Each line is printed only after its check passed; a check that was dropped from the
          // script is missed here.
          for (const check of [
            'ok: runs as user 10001',
            'ok: root file system read-only; /var/lib/gruwatch and /tmp writable',
            'ok: nice present',
            'ok: health check passes',
            "ok: the demo's page answers",
            'ok: SIGTERM stopped it with status 0',
            `ok: gruwatch ${version} on the PATH`,
            'ok: config check accepts the mounted file',
            'ok: GRUWATCH_ variables override the file; secrets are redacted',
            `ok: OCI label version=${version}`,
            `all checks passed for ${image}`,
          ]) {
            expect(result.stderr, lastLines).toContain(check);
          }
        } finally {
          await runCommand('podman', ['rmi', '-f', image], { cwd: root });
        }
      },
      buildTimeoutMs + 60_000,
    );
  },
);
