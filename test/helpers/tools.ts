// Command-line tools the deployment tests run: where they are, and whether they are there.
// deploy/local/deploy-tools installs the checkers into the tools cache.
import { execFile } from 'node:child_process';
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

/** The tools cache deploy/local/services and deploy/local/deploy-tools install into. */
export const toolsDir = process.env.GRUWATCH_TOOLS_DIR ?? join(homedir(), '.cache', 'gruwatch', 'tools');
const venvBin = join(toolsDir, 'deploy-venv', 'bin');

/** The checkers deploy/local/deploy-tools installs (the same paths its `env` command prints). */
export const deployTools = {
  kubernetesValidate: join(venvBin, 'kubernetes-validate'),
  hadolint: join(venvBin, 'hadolint'),
  podmanCompose: join(venvBin, 'podman-compose'),
} as const;

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end and resolves with its exit status and output; rejects only when it
 *  could not start or was killed (e.g. by the timeout, default 60 s). */
export function runCommand(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 64 << 20,
      },
      (err, stdout, stderr) => {
        if (err !== null && typeof err.code !== 'number') {
          reject(new Error(`${command} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
          return;
        }
        resolve({ code: err === null ? 0 : (err.code as number), stdout, stderr });
      },
    );
  });
}
