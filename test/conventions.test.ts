// Conventions enforced by a test rather than by reviewers' memory
// (STYLE §1, §9): room READMEs, import boundaries, the model core's purity.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../core/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const rooms = ['core', 'ingest', 'model', 'detector', 'dashboards', 'bin'];
// A room's public surface is its index.ts; some rooms have a second one for a part that only
// the composition root needs (the Node-only model helpers, the sinks with their I/O, the live pipeline, retraining,
// the HTTP API's schemas and implementation).
const nodeFreeCore = new Set([
  join('core', 'errors.js'),
  join('core', 'quantile.js'),
  join('core', 'model-kind.js'),
  join('core', 'rng.js'),
  join('core', 'asset-status.js'),
]);
const publicSurfaces = new Set([
  ...rooms.map((room) => `${room}/index.js`),
  'model/node/index.js',
  'detector/sinks/index.js',
  'detector/pipeline/index.js',
  'detector/retraining/index.js',
  'dashboards/api/index.js',
]);

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'fixtures') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(name) && !/\.d\.ts$/.test(name) ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g))
    found.push(match[1]!);
  for (const match of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(match[1]!);
  return found;
}

const isTest = (file: string) => /\.(test|int\.test|gradcheck\.test)\.ts$/.test(file);

describe('project conventions', () => {
  it('every top-level room has a README.md', () => {
    for (const room of ['ingest', 'model', 'detector', 'dashboards', 'test', 'deploy']) {
      expect(existsSync(join(root, room, 'README.md')), `${room}/README.md`).toBe(true);
    }
  });

  it('every error code has a description', () => {
    for (const [code, description] of Object.entries(errorCodes)) {
      expect(description.length, code).toBeGreaterThan(20);
    }
  });

  it('rooms import each other only through index.ts, and core imports nothing of ours', () => {
    const violations: string[] = [];
    for (const room of rooms) {
      for (const file of sourceFiles(join(root, room))) {
        if (isTest(file)) continue;
        for (const spec of importsOf(file)) {
          if (!spec.startsWith('.')) continue;
          const target = relative(root, resolve(dirname(file), spec));
          const targetRoom = target.split(sep)[0]!;
          if (targetRoom === room) continue;
          const where = `${relative(root, file)} imports ${spec}`;
          if (room === 'core') violations.push(`${where} (core imports nothing of ours)`);
          // The model core must stay free of Node built-ins, so it takes the Node-free
          // primitives (error catalogue, quantiles, seeded generators) directly instead of core/index.js (which
          // also loads the logger and config helpers).
          else if (room === 'model' && nodeFreeCore.has(target)) continue;
          // The API's schemas, whose types the browser page's type check follows, take the shared
          // vocabulary the same way.
          else if (
            relative(root, file) === join('dashboards', 'api', 'api-schemas.ts') &&
            target === join('core', 'asset-status.js')
          )
            continue;
          else if (!publicSurfaces.has(target.split(sep).join('/')))
            violations.push(`${where} (use ${targetRoom}/index.js)`);
          else if (room !== 'bin' && targetRoom !== 'core')
            violations.push(`${where} (only bin/ composes rooms)`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('the model core uses no Node built-in modules outside model/node/', () => {
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const violations: string[] = [];
    for (const file of sourceFiles(join(root, 'model'))) {
      const rel = relative(root, file);
      if (
        rel.startsWith(join('model', 'node') + sep) ||
        rel.startsWith(join('model', 'bench') + sep) ||
        isTest(file)
      )
        continue;
      for (const spec of importsOf(file)) if (builtins.has(spec)) violations.push(`${rel} imports ${spec}`);
    }
    expect(violations).toEqual([]);
  });
});
