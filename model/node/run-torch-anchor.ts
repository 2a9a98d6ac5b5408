// Runs the PyTorch anchor benchmark (torch_gru_ae.py) for `npm run bench:model -- --with-torch`
// and returns its JSON. Needs Debian's python3-torch and, for a fair comparison, OpenBLAS.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TorchAnchorOptions {
  script: string;
  python?: string;
  configs: string[];
  rounds: number;
  openblasDir?: string;
}

export function runTorchAnchor(o: TorchAnchorOptions): unknown {
  const dir = mkdtempSync(join(tmpdir(), 'gruwatch-torch-'));
  const out = join(dir, 'torch_gru_ae.json');
  try {
    const env = {
      ...process.env,
      LD_LIBRARY_PATH: o.openblasDir ?? '/usr/lib/x86_64-linux-gnu/openblas-pthread',
    };
    execFileSync(
      o.python ?? '/usr/bin/python3',
      [
        o.script,
        '--threads',
        '1',
        '--configs',
        o.configs.join(','),
        '--rounds',
        String(o.rounds),
        '--out',
        out,
      ],
      { env, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    return JSON.parse(readFileSync(out, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
