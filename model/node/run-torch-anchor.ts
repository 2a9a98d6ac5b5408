// Runs the reference benchmarks for `npm run bench:model -- --with-torch --with-ort` and returns
// their JSON: the PyTorch anchor (torch_gru_ae.py: Debian's python3-torch on OpenBLAS) and the
// onnxruntime-node anchor (ort_gru_ae.mjs in a copy of the anchors folder with onnxruntime-node
// installed). An anchor that cannot run is reported as unavailable with the reason, never guessed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TorchAnchorOptions {
  script: string;
  python?: string;
  configs: string[];
  rounds: number;
  openblasDir?: string;
}

const defaultOpenblas = '/usr/lib/x86_64-linux-gnu/openblas-pthread';

function torchEnv(openblasDir: string | undefined): NodeJS.ProcessEnv {
  return { ...process.env, LD_LIBRARY_PATH: openblasDir ?? defaultOpenblas };
}

function failure(err: unknown): string {
  const e = err as { stderr?: Buffer | string; message?: string };
  const stderr = e.stderr === undefined ? '' : String(e.stderr).trim().split('\n').slice(-3).join(' | ');
  return stderr || (e.message ?? String(err));
}

/** Why the PyTorch anchor cannot run here, or null when it can. */
export function torchUnavailable(
  o: Pick<TorchAnchorOptions, 'script' | 'python' | 'openblasDir'>,
): string | null {
  if (!existsSync(o.script)) return `no anchor script at ${o.script}`;
  if (!existsSync(o.openblasDir ?? defaultOpenblas))
    return `OpenBLAS not found at ${o.openblasDir ?? defaultOpenblas} (apt-get install libopenblas0-pthread)`;
  try {
    execFileSync(o.python ?? '/usr/bin/python3', ['-c', 'import torch'], {
      env: torchEnv(o.openblasDir),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return null;
  } catch (err) {
    return `python3-torch does not load (apt-get install python3-torch): ${failure(err)}`;
  }
}

/**
 * Runs one anchor benchmark (`command` `args` with its configs, rounds and an output file) in a
 * fresh temporary directory and returns the JSON it wrote there.
 */
function runAnchor(
  command: string,
  args: string[],
  o: { configs: string[]; rounds: number },
  outName: string,
  options: { env?: NodeJS.ProcessEnv; cwd?: string },
): unknown {
  const dir = mkdtempSync(join(tmpdir(), 'gruwatch-anchor-'));
  const out = join(dir, outName);
  try {
    execFileSync(
      command,
      [
        ...args,
        '--threads',
        '1',
        '--configs',
        o.configs.join(','),
        '--rounds',
        String(o.rounds),
        '--out',
        out,
      ],
      { ...options, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    return JSON.parse(readFileSync(out, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function runTorchAnchor(o: TorchAnchorOptions): unknown {
  return runAnchor(o.python ?? '/usr/bin/python3', [o.script], o, 'torch_gru_ae.json', {
    env: torchEnv(o.openblasDir),
  });
}

export interface OrtAnchorOptions {
  /** A writable copy of the anchors folder with `npm install` done (onnxruntime-node in its node_modules). */
  dir: string;
  configs: string[];
  rounds: number;
  /** Exports the ONNX models when they are missing (needs the PyTorch anchor). */
  torch: Pick<TorchAnchorOptions, 'script' | 'python' | 'openblasDir'>;
}

/** Why the onnxruntime-node anchor cannot run here, or null when it can (exporting the models first). */
export function prepareOrtAnchor(o: OrtAnchorOptions): string | null {
  const script = join(o.dir, 'ort_gru_ae.mjs');
  if (!existsSync(script))
    return `no ${script}: copy the anchors folder there (cp -r ../shared/anchors ${o.dir}) and npm install in it`;
  if (!existsSync(join(o.dir, 'node_modules', 'onnxruntime-node', 'package.json')))
    return `onnxruntime-node is not installed in ${o.dir} (cd ${o.dir} && npm install)`;
  const missing = o.configs.filter((c) => !existsSync(join(o.dir, 'onnx', `gru_ae_${c}.onnx`)));
  if (missing.length === 0) return null;
  const torchWhy = torchUnavailable(o.torch);
  if (torchWhy !== null)
    return `the ONNX models of ${missing.join(',')} are missing and cannot be exported: ${torchWhy}`;
  try {
    execFileSync(
      o.torch.python ?? '/usr/bin/python3',
      [join(o.dir, 'torch_gru_ae.py'), '--export-onnx', 'onnx'],
      {
        cwd: o.dir,
        env: torchEnv(o.torch.openblasDir),
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    return null;
  } catch (err) {
    return `exporting the ONNX models failed: ${failure(err)}`;
  }
}

export function runOrtAnchor(o: OrtAnchorOptions): unknown {
  return runAnchor(process.execPath, [join(o.dir, 'ort_gru_ae.mjs')], o, 'ort_gru_ae.json', { cwd: o.dir });
}
