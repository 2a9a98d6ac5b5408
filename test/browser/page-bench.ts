// Benchmark of the live page's overview with hundreds of assets, in headless
// Chromium: time until every row is shown, and main-thread long tasks (>50 ms)
// while every asset gets a score each second. Prints one JSON line.
// Run: npm run bench:page  (options: --assets N, --seconds S, --rate-ms MS)
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { createSilentLogger } from '../../core/index.js';
import { createHttpServer } from '../../dashboards/api/index.js';
import { chromiumPath, launchBrowser } from './browser.js';
import { createPlantService } from './plant-service.js';

const { values } = parseArgs({
  options: {
    assets: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '10' },
    'rate-ms': { type: 'string', default: '1000' },
  },
});
const assets = Number(values.assets);
const seconds = Number(values.seconds);
const tickMs = Number(values['rate-ms']);
const webRoot = fileURLToPath(new URL('../../dashboards/web/dist/', import.meta.url));

const plant = createPlantService({ assets, startMs: Date.UTC(2026, 0, 5), stepMs: 10_000 });
for (let i = 0; i < 30; i++) plant.tick();
const app = await createHttpServer({
  api: plant.api,
  registry: new Registry(),
  logger: createSilentLogger(),
  now: () => plant.nowMs,
  webRoot,
});
await app.listen({ host: '127.0.0.1', port: 0 });
const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/`;
const timer = setInterval(() => plant.tick(), tickMs);
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  // Page-side code as text: it runs in the browser, not under Node's types.
  await page.addInitScript({
    content: `globalThis.longTasksMs = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) globalThis.longTasksMs.push(entry.duration);
      }).observe({ type: 'longtask', buffered: true });`,
  });
  const startedMs = performance.now();
  await page.goto(url);
  await page.waitForFunction(
    `document.querySelectorAll('#assets-table tbody tr').length === ${assets}`,
    null,
    {
      timeout: 120_000,
    },
  );
  const firstRenderMs = performance.now() - startedMs;
  const takeLongTasks = () =>
    page.evaluate(() => {
      const g = globalThis as unknown as { longTasksMs: number[] };
      const taken = g.longTasksMs;
      g.longTasksMs = [];
      return taken;
    });
  const loadLongTasks = await takeLongTasks();
  const plantedAsset = plant.assetIds[Math.floor(assets / 2)];
  plant.plant(plantedAsset, 'flow', 3);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const liveLongTasks = await takeLongTasks();
  const plantedStatus = await page.locator(`tr[data-asset="${plantedAsset}"]`).getAttribute('data-status');
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  process.stdout.write(
    `${JSON.stringify({
      benchmark: 'page-overview',
      browser: chromiumPath,
      assets,
      scoresPerSecond: (assets * 1000) / tickMs,
      seconds,
      firstRenderMs: Math.round(firstRenderMs),
      loadLongTasks: loadLongTasks.length,
      loadLongTaskMaxMs: Math.round(Math.max(0, ...loadLongTasks)),
      liveLongTasks: liveLongTasks.length,
      liveLongTaskMaxMs: Math.round(Math.max(0, ...liveLongTasks)),
      liveBusyShare: Number((sum(liveLongTasks) / (seconds * 1000)).toFixed(4)),
      plantedAlertShown: plantedStatus === 'alerting',
    })}\n`,
  );
} finally {
  clearInterval(timer);
  await browser.close();
  await app.close();
}
