import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.js';
import { createMagicLink } from '../../src/services/sessions/index.js';
import { acceptFitFile } from '../../src/services/uploads.js';
import { HAS_FIXTURES, readFit } from '../fixtures.js';
import { buildRunner } from '../factories/runners.js';
import { createTestContext, type TestContext } from '../setup/context.js';
import { expectAccessible, HAS_CHROMIUM, launchChromium, loopbackServer, NO_CHROMIUM_MESSAGE, PHONE } from './harness.js';

if (!HAS_CHROMIUM) console.warn(NO_CHROMIUM_MESSAGE);

/**
 * "Export my data" in a real browser with JavaScript off: the button, the page reloading itself while
 * the export runs, the download link's page and its "Download my data" button.
 */
describe.skipIf(!HAS_CHROMIUM || !HAS_FIXTURES)('the Export page in a browser', () => {
  let ctx: TestContext;
  let browser: Browser;
  let app: Awaited<ReturnType<typeof loopbackServer>>;
  let runnerId: string;

  beforeAll(async () => {
    app = await loopbackServer();
    ctx = await createTestContext({ PUBLIC_URL: app.url, EXPORT_DIR: mkdtempSync(join(tmpdir(), 'stridesync-export-browser-')) });
    app.handle(createApp(ctx.deps));
    runnerId = (await buildRunner(ctx.deps.db, { name: 'Ana Berg' })).id;
    await acceptFitFile(ctx.deps, { runnerId, bytes: readFit('fenix2-run.fit'), origin: 'fenix2-run.fit' });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await ctx?.close();
  });

  it('signed in with JavaScript off: Export my data → progress (the page reloads itself) → the download link’s page → its button → one zip', async () => {
    const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 1, javaScriptEnabled: false, acceptDownloads: true });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto((await createMagicLink(ctx.deps, runnerId)).url);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((u) => u.pathname === '/');

    await page.getByRole('link', { name: 'Export' }).click();
    await page.waitForURL((u) => u.pathname === '/export');
    await page.getByRole('button', { name: 'Export my data' }).click();
    await page.waitForURL((u) => u.pathname === '/export' && u.search === '?started=1');
    expect(await page.getByText('Your export is being prepared').count()).toBe(1);

    // the worker builds it; the page's own refresh brings the link without a click
    const workers = ctx.startWorkers();
    try {
      await page.getByRole('link', { name: 'Download your data' }).waitFor({ timeout: 30_000 });
    } finally {
      await workers.close();
    }
    const withJs = await browser.newContext({ viewport: PHONE, storageState: await context.storageState() });
    const checked = await withJs.newPage();
    await checked.goto(`${app.url}/export`);
    await expectAccessible(checked, '/export');
    await withJs.close();

    // the link opens its page (what a mail scanner would see too); that does not use it
    const href = (await page.getByRole('link', { name: 'Download your data' }).getAttribute('href'))!;
    await page.getByRole('link', { name: 'Download your data' }).click();
    await page.waitForURL((u) => u.pathname === new URL(href).pathname);
    expect(await page.getByText('one zip file').count()).toBe(1);
    const scanner = await browser.newContext({ viewport: PHONE });
    const preview = await scanner.newPage();
    await preview.goto(href);
    await expectAccessible(preview, '/exports/:token');
    await scanner.close();

    // the page's button (a form POST, no script) downloads the zip
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download my data' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^stridesync-export-\d{4}-\d{2}-\d{2}\.zip$/);
    const saved = join(tmpdir(), `export-${Date.now()}.zip`);
    await download.saveAs(saved);
    expect(statSync(saved).size).toBeGreaterThan(100_000);
    rmSync(saved, { force: true });
    await page.goto(`${app.url}/export`);
    expect(await page.getByText('was downloaded').count()).toBe(1);
    await context.close();
  }, 90_000);
});
