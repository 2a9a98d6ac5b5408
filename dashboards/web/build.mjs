// Builds the live page into dashboards/web/dist/: one bundled, minified script
// (uPlot included, nothing loaded from a CDN), one stylesheet and index.html.
// Run by `npm run build` (via `npm run build:web`); the HTTP server serves dist/.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'dist');

await rm(outDir, { recursive: true, force: true });
await mkdir(outDir, { recursive: true });
await build({
  entryPoints: { app: join(here, 'src', 'main.ts'), style: join(here, 'src', 'style.css') },
  outdir: outDir,
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  legalComments: 'linked',
  logLevel: 'warning',
});
await copyFile(join(here, 'index.html'), join(outDir, 'index.html'));
process.stderr.write(`live page built into ${outDir}\n`);
