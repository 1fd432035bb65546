import type { Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, HAS_CHROMIUM, launchChromium, loopbackServer, NO_CHROMIUM_MESSAGE, PHONE, screenshot } from '../browser/harness.js';
import { insertCadenceRuns } from '../factories/cadence-runs.js';
import { buildRunner } from '../factories/runners.js';
import { createTestContext, type TestContext } from '../setup/context.js';

if (!HAS_CHROMIUM) console.warn(NO_CHROMIUM_MESSAGE);

const NOW = new Date('2026-03-14T12:00:00Z');

describe.skipIf(!HAS_CHROMIUM)('the cadence report page in a browser', () => {
  let ctx: TestContext;
  let browser: Browser;
  let server: Awaited<ReturnType<typeof loopbackServer>>;
  let runnerId: string;

  beforeAll(async () => {
    server = await loopbackServer();
    ctx = await createTestContext({ PUBLIC_URL: server.url }, { now: () => NOW });
    server.handle(ctx.app);
    runnerId = (await buildRunner(ctx.deps.db, { name: 'Ana', timezone: 'Europe/Oslo' })).id;
    await insertCadenceRuns(ctx.deps.db, runnerId, [
      { localDate: '2026-02-12', spm: 158 },
      { localDate: '2026-02-19', spm: 160 },
      { localDate: '2026-02-26', spm: 162 },
      { localDate: '2026-03-03', spm: 163, spreadSpm: 3 },
      { localDate: '2026-03-05', spm: 165, speedMps: 3.5 },
      { localDate: '2026-03-08', spm: 166 },
      { localDate: '2026-03-10', spm: 168 },
      { localDate: '2026-03-13', spm: 170, runningTimeS: 300 },
    ]);
    expect((await request(ctx.app).put(`/v1/runners/${runnerId}/cadence-goal`).set(ctx.auth).send({ startDate: '2026-03-02' })).status).toBe(201);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await ctx?.close();
    await server?.close();
  });

  it('shows one dot per qualifying run, the baseline and target lines, the table, and passes axe at phone width', async () => {
    const context = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false, extraHTTPHeaders: ctx.auth });
    const page = await context.newPage();
    const res = await page.goto(`${server.url}/v1/runners/${runnerId}/reports/cadence.html`);
    expect(res?.status()).toBe(200);
    expect(await page.locator('svg.cadence-chart .dot').count()).toBe(7);
    expect(await page.locator('#baseline-line').getAttribute('data-spm')).toBe('160');
    expect(await page.locator('#target-line').getAttribute('data-spm')).toBe('168');
    expect(await page.locator('#status-badge').getAttribute('data-status')).toBe('progressing'); // last 3: 162, 166, 168 → 166;
    expect(await page.locator('table.cadence-table tbody tr').count()).toBe(8);
    // the stylesheet loads under the page's CSP and the chart scales to the phone's width
    const box = await page.locator('svg.cadence-chart').boundingBox();
    expect(box!.width).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, 'cadence-report-phone');
    await context.close();
    const axeContext = await browser.newContext({ viewport: PHONE, extraHTTPHeaders: ctx.auth });
    const axePage = await axeContext.newPage();
    await axePage.goto(`${server.url}/v1/runners/${runnerId}/reports/cadence.html`);
    await expectAccessible(axePage, 'cadence report');
    await axeContext.close();
  });
});
