// The repository's root folder, found from this module whether it runs from the sources (vitest)
// or compiled under dist/ (the benchmarks): the nearest folder above it holding package.json.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const repositoryRoot = findRoot(dirname(fileURLToPath(import.meta.url)));
