// Command-line tools the deployment tests run: where they are, and whether they are there.
// deploy/local/deploy-tools installs the checkers into the tools cache.
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Whether `command` is an executable file in one of the PATH directories. */
export function isOnPath(command: string): boolean {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .some((dir) => dir !== '' && isExecutable(join(dir, command)));
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const toolsDir = process.env.GRUWATCH_TOOLS_DIR ?? join(homedir(), '.cache', 'gruwatch', 'tools');
const venvBin = join(toolsDir, 'deploy-venv', 'bin');

/** The checkers deploy/local/deploy-tools installs (the same paths its `env` command prints). */
export const deployTools = {
  kubernetesValidate: join(venvBin, 'kubernetes-validate'),
  hadolint: join(venvBin, 'hadolint'),
  podmanCompose: join(venvBin, 'podman-compose'),
} as const;
