// The live page in real headless Chromium against the real HTTP server, over a
// plant whose windows go through the real detector: the page loads without
// console errors, an alert planted after it opened arrives through the event
// stream with the right top channel, the silence action silences the asset,
// "Mark as normal" labels the alert's period, retraining progress arrives
// through the stream and a waiting candidate is promoted from the model view,
// and with an API token the page asks for it once and then works. A wall
// display opens it from one URL with the viewer token: no dialog, no action
// offered, and the API refuses its POSTs; the score reads as a ratio to the
// threshold, times are in the plant's zone, and on a 1000 px tall screen the
// score, the contributions and the first signals are seen together.
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSilentLogger, Secret } from '../../core/index.js';
import { createHttpServer } from '../../dashboards/api/index.js';
import { describeWithBrowser, launchBrowser, saveScreenshot } from '../browser/browser.js';
import { createPlantService, type PlantService } from '../browser/plant-service.js';
import { onTeardown, waitFor } from '../helpers/integration.js';

const webRoot = fileURLToPath(new URL('../../dashboards/web/dist/', import.meta.url));
const buildScript = fileURLToPath(new URL('../../dashboards/web/build.mjs', import.meta.url));
const assets = 24;
const tickMs = 150;
const apiToken = 'page-token-7f3a';
const viewerToken = 'wall-token-0c1d';
const plantZone = 'Europe/Berlin';
/** Names as plants write them; the page must show them whole. */
const longChannelNames = [
  'bearing_temperature_drive_end_c',
  'vibration',
  'discharge_pressure_downstream_bar',
  'flow',
] as const;

interface Running {
  plant: PlantService;
  app: FastifyInstance;
  url: string;
  stop(): Promise<void>;
}

async function startService(
  options: {
    token?: string;
    viewer?: string;
    timeZone?: string;
    channelNames?: readonly [string, string, string, string];
  } = {},
): Promise<Running> {
  const plant = createPlantService({
    assets,
    startMs: Date.UTC(2026, 0, 5, 8),
    stepMs: 10_000,
    ...(options.channelNames ? { channelNames: options.channelNames } : {}),
  });
  // History before the page opens, so charts and sparklines have data.
  for (let i = 0; i < 40; i++) plant.tick();
  const app = await createHttpServer({
    api: plant.api,
    registry: new Registry(),
    logger: createSilentLogger(),
    now: () => plant.nowMs,
    webRoot,
    ...(options.token ? { apiToken: new Secret(options.token) } : {}),
    ...(options.viewer ? { viewerToken: new Secret(options.viewer) } : {}),
    ...(options.timeZone ? { timeZone: options.timeZone } : {}),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const timer = setInterval(() => plant.tick(), tickMs);
  return {
    plant,
    app,
    url: `http://127.0.0.1:${port}/`,
    async stop() {
      clearInterval(timer);
      await app.close();
    },
  };
}

/** Opens a page that records console errors and uncaught exceptions. */
async function openPage(context: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
  return { page, errors };
}

const rowOf = (page: Page, assetId: string) => page.locator(`#assets-table tr[data-asset="${assetId}"]`);

async function statusOf(page: Page, assetId: string): Promise<string | null> {
  return rowOf(page, assetId).getAttribute('data-status', { timeout: 1000 });
}

describeWithBrowser('live page in headless Chromium', () => {
  let browser: Browser;
  let service: Running;

  beforeAll(async () => {
    // Test the page as the current sources build it.
    await promisify(execFile)(process.execPath, [buildScript]);
    browser = await launchBrowser();
    service = await startService();
  });
  afterAll(async () => {
    await service?.stop();
    await browser?.close();
  });

  async function freshPage() {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    onTeardown(() => context.close());
    return openPage(context);
  }

  it('loads every view without console errors', async () => {
    const { page, errors } = await freshPage();
    await page.goto(service.url);
    await waitFor(async () => (await page.locator('#assets-table tbody tr').count()) === assets, {
      what: `${assets} asset rows`,
    });
    await page.locator('#connection[data-state="open"]').waitFor();
    await saveScreenshot(page, 'overview');

    await page.goto(`${service.url}#/model`);
    await page.locator('.model .version').waitFor();
    expect(await page.locator('.model .version').textContent()).toBe('v-test');
    expect(await page.locator('#retrain-history').textContent()).toMatch(/not available yet/i);
    await page.locator('#loss-chart canvas').first().waitFor();
    await saveScreenshot(page, 'model');

    // Large type for a control-room wall.
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.goto(`${service.url}?wall=1#/`);
    await waitFor(async () => (await page.locator('#assets-table tbody tr').count()) === assets, {
      what: `${assets} asset rows in large type`,
    });
    expect(await page.locator('html').getAttribute('class')).toContain('large-type');
    await saveScreenshot(page, 'overview-wall');

    expect(errors).toEqual([]);
  });

  it('shows an alert planted after the page opened, live, with the planted top channel', async () => {
    const { page, errors } = await freshPage();
    const assetId = service.plant.assetIds[6];
    await page.goto(service.url);
    await page.locator('#connection[data-state="open"]').waitFor();
    await waitFor(async () => (await statusOf(page, assetId)) === 'normal', { what: `${assetId} normal` });
    // Marks this document: if the alert showed up through a reload, the mark would be gone.
    await page.evaluate(() => {
      (globalThis as unknown as { loadedOnce: boolean }).loadedOnce = true;
    });

    service.plant.plant(assetId, 'vibration', 2.5);
    onTeardown(() => service.plant.plant(assetId, 'vibration', 0));

    await waitFor(async () => (await statusOf(page, assetId)) === 'alerting', {
      what: `${assetId} alerting on the page`,
      timeoutMs: 20_000,
    });
    const row = rowOf(page, assetId);
    expect((await row.locator('.top-channels').textContent())?.split(', ')[0]).toBe('vibration');
    expect(await row.locator('.badge').getAttribute('data-severity')).toMatch(/^(warning|critical)$/);
    expect(await page.evaluate(() => (globalThis as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(
      true,
    );
    // The default order puts what needs attention first.
    await waitFor(
      async () =>
        (await page.locator('#assets-table tbody tr').first().getAttribute('data-asset')) === assetId,
      { what: `${assetId} sorted to the top` },
    );
    await saveScreenshot(page, 'overview-alerting');

    await page.goto(`${service.url}#/alerts`);
    const alertRow = page.locator(`#open-alerts tr[data-asset="${assetId}"]`);
    await alertRow.waitFor();
    expect((await alertRow.locator('.top-channels').textContent())?.split(', ')[0]).toBe('vibration');
    await saveScreenshot(page, 'alerts');

    await page.goto(`${service.url}#/asset/${assetId}`);
    await page.locator('#score-chart canvas').first().waitFor();
    await page.locator('#signals .signal canvas').first().waitFor();
    await waitFor(
      async () =>
        (await page.locator('#contributions li').first().getAttribute('data-channel')) === 'vibration',
      { what: 'vibration as the largest contribution of the newest score' },
    );
    expect(await page.locator('#signals .signal').count()).toBe(4);
    await saveScreenshot(page, 'asset');

    expect(errors).toEqual([]);
  });

  it('reconnects after the stream drops and catches up on what happened meanwhile', async () => {
    const { page, errors } = await freshPage();
    const assetId = service.plant.assetIds[17];
    await page.goto(`${service.url}#/alerts`);
    await page.locator('#connection[data-state="open"]').waitFor();
    await page.evaluate(() => {
      const g = globalThis as unknown as {
        opens: number;
        document: { getElementById(id: string): { dataset: { state?: string } } };
        MutationObserver: new (
          cb: () => void,
        ) => { observe(target: unknown, options: { attributes: boolean }): void };
      };
      g.opens = 0;
      const connection = g.document.getElementById('connection');
      new g.MutationObserver(() => {
        if (connection.dataset.state === 'open') g.opens++;
      }).observe(connection, { attributes: true });
    });

    // Drop every connection, then let the alert open while the page is disconnected:
    // the stream cannot deliver it, the snapshot fetched on reconnect must.
    service.app.server.closeAllConnections();
    service.plant.plant(assetId, 'flow', 2.5);
    onTeardown(() => service.plant.plant(assetId, 'flow', 0));

    await waitFor(async () => page.evaluate(() => (globalThis as unknown as { opens: number }).opens >= 1), {
      what: 'the stream to open again',
      timeoutMs: 20_000,
    });
    const alertRow = page.locator(`#open-alerts tr[data-asset="${assetId}"]`);
    await alertRow.waitFor({ timeout: 20_000 });
    expect((await alertRow.locator('.top-channels').textContent())?.split(', ')[0]).toBe('flow');
    // The browser reports the dropped stream itself; nothing else may fail.
    expect(errors.filter((e) => !/ERR_INCOMPLETE_CHUNKED_ENCODING|ERR_EMPTY_RESPONSE|net::/.test(e))).toEqual(
      [],
    );
  });

  it('silences an asset from the alerts view: the API lists the silence and the asset shows silenced', async () => {
    const { page, errors } = await freshPage();
    const assetId = service.plant.assetIds[11];
    service.plant.plant(assetId, 'pressure', 2.5);
    onTeardown(() => service.plant.plant(assetId, 'pressure', 0));
    await page.goto(`${service.url}#/alerts`);
    const alertRow = page.locator(`#open-alerts tr[data-asset="${assetId}"]`);
    await alertRow.waitFor({ timeout: 20_000 });

    await alertRow.getByRole('button', { name: 'Silence…' }).click();
    expect(await page.locator('#silence-asset').inputValue()).toBe(assetId);
    await page.locator('#silence-duration').selectOption({ label: '4 hours' });
    await page.locator('#silence-reason').fill('bearing inspection');
    await page.getByRole('button', { name: 'Silence', exact: true }).click();
    await page.locator('#silence-message[data-outcome="ok"]').waitFor();
    await page.locator(`#silence-list li[data-pattern="${assetId}"]`).waitFor();

    const listed = (await (await fetch(`${service.url}api/silences`)).json()) as {
      silences: { assetPattern: string; untilMs: number; reason: string }[];
    };
    const silence = listed.silences.find((s) => s.assetPattern === assetId);
    expect(silence?.reason).toBe('bearing inspection');
    expect(silence!.untilMs - service.plant.nowMs).toBeGreaterThan(3 * 3_600_000);

    await page.goto(service.url);
    await waitFor(async () => (await statusOf(page, assetId)) === 'silenced', {
      what: `${assetId} silenced on the page`,
    });
    // The state filter narrows the overview to silenced, maintenance and off assets.
    await page.locator('#status-filter').selectOption('suppressed');
    const shown = await page
      .locator('#assets-table tbody tr:not([hidden])')
      .evaluateAll((rows) =>
        rows.map((r) => `${r.getAttribute('data-asset')}:${r.getAttribute('data-status')}`),
      );
    expect(shown).toEqual([`${assetId}:silenced`]);
    await saveScreenshot(page, 'overview-silenced');
    expect(errors).toEqual([]);
  });

  it('marks an open alert as normal from the alerts view: the API keeps a normal label over its period', async () => {
    const { page, errors } = await freshPage();
    const assetId = service.plant.assetIds[15];
    service.plant.plant(assetId, 'vibration', 2.5);
    onTeardown(() => service.plant.plant(assetId, 'vibration', 0));
    await page.goto(`${service.url}#/alerts`);
    const alertRow = page.locator(`#open-alerts tr[data-asset="${assetId}"]`);
    await alertRow.waitFor({ timeout: 20_000 });
    const alertId = await alertRow.getAttribute('data-alert');

    await alertRow.getByRole('button', { name: 'Mark as normal' }).click();
    await page.locator('#label-message[data-outcome="ok"]').waitFor();

    const listed = (await (await fetch(`${service.url}api/labels?asset=${assetId}`)).json()) as {
      labels: { assetPattern: string; fromMs: number; toMs: number; kind: string; reason: string }[];
    };
    expect(listed.labels).toHaveLength(1);
    const [label] = listed.labels;
    expect([label.assetPattern, label.kind, label.reason]).toEqual([
      assetId,
      'normal',
      `new normal, marked from alert ${alertId}`,
    ]);
    const opened = (await (await fetch(`${service.url}api/alerts?asset=${assetId}`)).json()) as {
      alerts: { id: string; type: string; openedAtMs: number }[];
    };
    expect(label.fromMs).toBe(opened.alerts.find((a) => a.id === alertId)?.openedAtMs);
    expect(label.toMs).toBeGreaterThan(label.fromMs);
    // An open alert's label ends at the newest data time the page saw (1 ms past its opening at least).
    expect(label.toMs).toBeLessThanOrEqual(Math.max(service.plant.nowMs, label.fromMs + 1));
    await saveScreenshot(page, 'alerts-marked-normal');
    expect(errors).toEqual([]);
  });

  it('offers no "Retrain now" while retraining is disabled, and offers it once enabled', async () => {
    const { page, errors } = await freshPage();
    onTeardown(() => service.plant.setRetraining(null));
    const idle = {
      schedule: null,
      nextRunAtMs: null,
      running: false,
      lastRun: null,
      pendingApproval: null,
      shadow: null,
    };
    service.plant.setRetraining({ enabled: false, ...idle });
    await page.goto(`${service.url}#/model`);
    await page.locator('.model .retraining button[data-action="rollback"]').waitFor();
    expect(await page.locator('.model button[data-action="retrain"]').count()).toBe(0);
    service.plant.setRetraining({ enabled: true, ...idle, schedule: 'every 1 d' });
    await page.locator('.model button[data-action="retrain"]').waitFor({ timeout: 10_000 });
    expect(errors).toEqual([]);
  });

  it('shows retraining progress from the stream and promotes a candidate waiting for approval', async () => {
    const { page, errors } = await freshPage();
    await page.goto(`${service.url}#/model`);
    await page.locator('.model .version').waitFor();
    await page.locator('#connection[data-state="open"]').waitFor();
    const t0 = service.plant.nowMs;
    onTeardown(() => service.plant.setRetraining(null));
    service.plant.setRetraining({
      enabled: true,
      schedule: '0 3 * * *',
      nextRunAtMs: t0 + 3_600_000,
      running: false,
      lastRun: {
        atMs: t0,
        outcome: 'awaiting_approval',
        reason: 'manual promotion',
        durationMs: 42_000,
        candidateVersion: 'v-next',
      },
      pendingApproval: { version: 'v-next', atMs: t0, reasons: ['error ratio 0.82 (limit 1.1)'] },
      shadow: {
        version: 'v-next',
        startedAtMs: t0,
        endsAtMs: t0 + 86_400_000,
        candidateAlerts: 1,
        currentAlerts: 4,
      },
    });
    const approval = page.locator('.model .pending-approval[data-version="v-next"]');
    await approval.waitFor({ timeout: 10_000 });
    expect(await page.locator('.model .retraining').textContent()).toContain('waiting for approval');
    expect(await page.locator('.shadow tr[data-role="candidate"] td.num').textContent()).toBe('1');
    expect(await page.locator('.shadow tr[data-role="current"] td.num').textContent()).toBe('4');
    await saveScreenshot(page, 'model-awaiting-approval');

    await approval.getByRole('button', { name: 'Promote' }).click();
    await page.locator('.retraining .form-message[data-outcome="ok"]').waitFor();
    expect(service.plant.modelActions).toContain('promote pumps v-next');
    expect(errors).toEqual([]);
  });
});

describeWithBrowser('live page with an API token', () => {
  let browser: Browser;
  let service: Running;

  beforeAll(async () => {
    browser = await launchBrowser();
    service = await startService({ token: apiToken });
  });
  afterAll(async () => {
    await service?.stop();
    await browser?.close();
  });

  it('asks for the token once, then shows the assets and stays live', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    onTeardown(() => context.close());
    const { page, errors } = await openPage(context);
    await page.goto(service.url);
    await page.locator('#token-dialog').waitFor();
    await page.locator('#token-input').fill('not-the-token');
    await page.locator('#token-submit').click();
    // A refused token asks again, saying so.
    await waitFor(async () => /refused/.test((await page.locator('#token-dialog').textContent()) ?? ''), {
      what: 'the dialog to say the token was refused',
    });
    await page.locator('#token-input').fill(apiToken);
    await page.locator('#token-submit').click();
    await waitFor(async () => (await page.locator('#assets-table tbody tr').count()) === assets, {
      what: `${assets} asset rows after the token`,
    });
    await page.locator('#connection[data-state="open"]').waitFor();

    // Kept for the tab: a reload does not ask again.
    await page.reload();
    await page.locator('#connection[data-state="open"]').waitFor();
    expect(await page.locator('#token-dialog').count()).toBe(0);
    expect(await page.locator('#assets-table tbody tr').count()).toBe(assets);
    // The only console errors are the browser's own notes on the refused requests.
    expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
  });
});

describeWithBrowser('live page on a wall display with the viewer token', () => {
  let browser: Browser;
  let service: Running;

  beforeAll(async () => {
    browser = await launchBrowser();
    service = await startService({
      token: apiToken,
      viewer: viewerToken,
      timeZone: plantZone,
      channelNames: longChannelNames,
    });
  });
  afterAll(async () => {
    await service?.stop();
    await browser?.close();
  });

  async function wallPage(size: { width: number; height: number }) {
    const context = await browser.newContext({ viewport: size });
    onTeardown(() => context.close());
    return openPage(context);
  }

  it('opens the overview from one URL without a dialog, offers no action, and cannot POST', async () => {
    const { page, errors } = await wallPage({ width: 1920, height: 1080 });
    await page.goto(`${service.url}?wall=1&access_token=${viewerToken}#/`);
    await waitFor(async () => (await page.locator('#assets-table tbody tr').count()) === assets, {
      what: `${assets} asset rows with the viewer token`,
    });
    await page.locator('#connection[data-state="open"]').waitFor();
    expect(await page.locator('#token-dialog').count()).toBe(0);
    expect(await page.locator('#access').isVisible()).toBe(true);
    // The token leaves the address bar (and the screen's screenshots) at once.
    expect(page.url()).not.toContain(viewerToken);
    await saveScreenshot(page, 'overview-wall-read-only');

    const assetId = service.plant.assetIds[3];
    service.plant.plant(assetId, 'vibration', 2.5);
    onTeardown(() => service.plant.plant(assetId, 'vibration', 0));
    await page.goto(`${service.url}#/alerts`);
    await page.locator(`#open-alerts tr[data-asset="${assetId}"]`).waitFor({ timeout: 20_000 });
    expect(await page.locator('#silence-form').count()).toBe(0);
    expect(await page.locator('.alerts-view button').count()).toBe(0);
    await page.goto(`${service.url}#/model`);
    await page.locator('.model .version').waitFor();
    expect(await page.locator('.model button').count()).toBe(0);

    // The page's own token cannot change anything, whatever is sent.
    const refused = await page.evaluate(async () => {
      const storage = (globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } })
        .sessionStorage;
      const token = storage.getItem('gruwatch.apiToken');
      const res = await fetch('api/models/pumps/rollback', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      });
      return { status: res.status, error: ((await res.json()) as { error: string }).error };
    });
    expect(refused).toEqual({ status: 403, error: 'read_only' });
    expect(service.plant.modelActions).toEqual([]);
    expect(errors.filter((e) => !/status of 403/.test(e))).toEqual([]);
  });

  it("plots the score as a ratio to the threshold, in the plant's time zone on a 24 h clock", async () => {
    const { page, errors } = await wallPage({ width: 1440, height: 900 });
    const assetId = service.plant.assetIds[8];
    await page.goto(`${service.url}?access_token=${viewerToken}#/asset/${assetId}`);
    const chart = page.locator('#score-chart');
    await chart.locator('canvas').first().waitFor();
    await waitFor(async () => (await chart.getAttribute('data-y-max')) !== null, { what: 'the y scale' });
    const yMin = Number(await chart.getAttribute('data-y-min'));
    const yMax = Number(await chart.getAttribute('data-y-max'));
    // The threshold line (1) sits well inside the plot, not flattened onto the axis.
    expect((1 - yMin) / (yMax - yMin)).toBeGreaterThan(0.2);
    expect((1 - yMin) / (yMax - yMin)).toBeLessThan(0.95);
    const { scores } = (await (
      await fetch(`${service.url}api/assets/${assetId}/scores?limit=1000`, {
        headers: { authorization: `Bearer ${viewerToken}` },
      })
    ).json()) as { scores: { score: number; threshold: number }[] };
    expect(Math.max(...scores.map((s) => s.score / s.threshold))).toBeLessThanOrEqual(yMax);

    expect(await page.locator('#time-zone').textContent()).toBe(plantZone);
    const lastAtMs = (
      (await (
        await fetch(`${service.url}api/assets`, { headers: { authorization: `Bearer ${viewerToken}` } })
      ).json()) as { assets: { assetId: string; lastAtMs: number }[] }
    ).assets.find((a) => a.assetId === assetId)!.lastAtMs;
    const updated = (await page.locator('.asset-header .stat.muted').textContent()) ?? '';
    const shown = /updated (\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)$/.exec(updated);
    expect(shown, updated).not.toBeNull();
    // Berlin is UTC+1 in January: the wall clock of the plant, not of the browser (UTC here).
    const [, y, mo, d, hh, mm, ss] = shown!.map(Number);
    const asUtc = Date.UTC(y, mo - 1, d, hh, mm, ss);
    expect(lastAtMs - asUtc).toBeGreaterThanOrEqual(-3_600_000 - 60_000);
    expect(lastAtMs - asUtc).toBeLessThanOrEqual(-3_600_000 + 60_000);
    expect(errors).toEqual([]);
  });

  it('shows the state, the score, the contributions and the first signals together on a 1000 px screen', async () => {
    // A kiosk browser shows the whole 1000 px; a browser with its bars leaves about 880.
    for (const [size, wall] of [
      [{ width: 1280, height: 1000 }, '0'],
      [{ width: 1280, height: 1000 }, '1'],
      [{ width: 1920, height: 880 }, '1'],
    ] as const) {
      const { page, errors } = await wallPage(size);
      const assetId = service.plant.assetIds[20];
      await page.goto(`${service.url}?wall=${wall}&access_token=${viewerToken}#/asset/${assetId}`);
      await page.locator('#signals .signal canvas').first().waitFor();
      await page.locator('#contributions li').first().waitFor();
      await page.locator('.asset-header .badge').waitFor();
      // Measured in one go: the header is re-rendered by every score of the asset.
      const selectors = ['.asset-header .badge', '#contributions', '#signals .signal'];
      const bottoms = await page.evaluate((list) => {
        const doc = (
          globalThis as unknown as {
            document: { querySelector(s: string): { getBoundingClientRect(): { bottom: number } } | null };
          }
        ).document;
        return list.map((selector) => doc.querySelector(selector)?.getBoundingClientRect().bottom ?? null);
      }, selectors);
      const what = `${size.width}×${size.height}, wall=${wall}`;
      selectors.forEach((selector, i) => {
        expect(bottoms[i], `${selector} at ${what}`).not.toBeNull();
        expect(bottoms[i]!, `${selector} at ${what}`).toBeLessThanOrEqual(size.height);
      });
      // Long channel names are shown whole (wrapped), neither cut nor spilling into the bars.
      const clipped = await page.evaluate(() => {
        const doc = (
          globalThis as unknown as {
            document: {
              querySelectorAll(
                s: string,
              ): Iterable<{ textContent: string; scrollWidth: number; clientWidth: number }>;
            };
          }
        ).document;
        return [...doc.querySelectorAll('#contributions .bar-label, #signals h3')]
          .filter((el) => el.scrollWidth > el.clientWidth + 1)
          .map((el) => el.textContent);
      });
      expect(clipped, what).toEqual([]);
      expect(await page.locator('#contributions .bar-label').allTextContents()).toEqual(
        expect.arrayContaining([...longChannelNames]),
      );
      if (wall === '0') await saveScreenshot(page, 'asset-1000px');
      expect(errors).toEqual([]);
    }
  });
});
