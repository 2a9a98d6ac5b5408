// Headless Chromium for the browser tests: Debian's chromium driven by
// playwright-core (no browser is ever downloaded). A missing browser skips the
// suite locally with one loud line and fails it under CI=true, like a missing
// server in test/helpers/integration.ts.
import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { describeWithRequirement } from '../helpers/integration.js';

export const chromiumPath = process.env.GRUWATCH_CHROMIUM_PATH ?? '/usr/bin/chromium';
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export function describeWithBrowser(title: string, body: () => void): void {
  describeWithRequirement(
    {
      title,
      isMet: existsSync(chromiumPath),
      need: 'headless Chromium',
      problem: `Chromium not found at ${chromiumPath}`,
      hint: 'install it with: deploy/local/services install-browser',
    },
    body,
  );
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Where screenshots go: $GRUWATCH_TEST_ARTIFACTS_DIR (CI keeps it) or test-artifacts/. */
export function artifactsDir(): string {
  return resolve(repoRoot, process.env.GRUWATCH_TEST_ARTIFACTS_DIR ?? 'test-artifacts', 'dashboards');
}

/** Saves a screenshot as an artifact; with GRUWATCH_UPDATE_SCREENSHOTS=1 also as the README's copy. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  const dir = artifactsDir();
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path });
  if (process.env.GRUWATCH_UPDATE_SCREENSHOTS === '1') {
    await copyFile(path, join(repoRoot, 'dashboards', 'screenshots', `${name}.png`));
  }
  return path;
}
