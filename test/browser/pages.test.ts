import { eq, sql } from 'drizzle-orm';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connections, painAnswers, painPrompts } from '../../src/db/schema/index.js';
import { addDays, localDateOf } from '../../src/domain/iso-week.js';
import { createApp } from '../../src/http/app.js';
import { getCadenceReport } from '../../src/services/cadence/index.js';
import { createMagicLink } from '../../src/services/sessions/index.js';
import { insertCadenceRuns } from '../factories/cadence-runs.js';
import { buildRunner } from '../factories/runners.js';
import { createTestContext, type TestContext } from '../setup/context.js';
import { expectAccessible, HAS_CHROMIUM, launchChromium, loopbackServer, NO_CHROMIUM_MESSAGE, PHONE, screenshot } from './harness.js';

if (!HAS_CHROMIUM) console.warn(NO_CHROMIUM_MESSAGE);

/**
 * The runner's pages in a real browser (Debian Chromium, headless) against the real app on a
 * loopback port, real Postgres and Redis; Strava is a fake on another loopback port.
 */
describe.skipIf(!HAS_CHROMIUM)('runner pages in a browser', () => {
  let ctx: TestContext;
  let browser: Browser;
  let app: Awaited<ReturnType<typeof loopbackServer>>;
  let strava: Awaited<ReturnType<typeof loopbackServer>>;
  let runnerId: string;
  let today: string;
  let promptId: string;
  const stravaCalls: string[] = [];

  function fakeStrava(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', strava.url);
    stravaCalls.push(`${req.method} ${url.pathname}`);
    if (req.method === 'GET' && url.pathname === '/oauth/authorize') {
      // the athlete approves with every box ticked
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('state', url.searchParams.get('state')!);
      back.searchParams.set('code', 'browser-code');
      back.searchParams.set('scope', 'read,activity:read_all');
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/oauth/token') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          token_type: 'Bearer',
          expires_at: Math.floor(Date.now() / 1000) + 21600,
          expires_in: 21600,
          access_token: 'a'.repeat(40),
          refresh_token: 'r'.repeat(40),
          athlete: { id: 55_501, firstname: 'Ana' },
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
  }

  beforeAll(async () => {
    app = await loopbackServer();
    strava = await loopbackServer();
    strava.handle(fakeStrava as never);
    ctx = await createTestContext({
      PUBLIC_URL: app.url,
      STRAVA_CLIENT_ID: '4242',
      STRAVA_CLIENT_SECRET: 'client-secret',
      STRAVA_VERIFY_TOKEN: 'verify-me',
      STRAVA_OAUTH_URL: `${strava.url}/oauth`,
      STRAVA_API_URL: `${strava.url}/api/v3`,
    });
    app.handle(createApp(ctx.deps));
    const runner = await buildRunner(ctx.deps.db, { name: 'Ana Berg', timezone: 'Europe/Oslo' });
    runnerId = runner.id;
    today = localDateOf(new Date(), null, 'Europe/Oslo');
    // a run every other day for 6 weeks: baseline 160 spm, rising to 166 lately
    const runs = Array.from({ length: 21 }, (_, i) => ({
      localDate: addDays(today, -42 + 2 * i),
      spm: i < 12 ? 160 + (i % 3) - 1 : 163 + (i % 4),
      speedMps: 3 + (i % 3) * 0.1,
      elevationLossM: 15 + i,
    }));
    const ids = await insertCadenceRuns(ctx.deps.db, runnerId, runs);
    // the last six runs answered: one amber, the rest green
    for (const [k, id] of ids.slice(-6).entries()) {
      await ctx.deps.db.execute(
        sql`insert into run_pain (activity_id, runner_id, local_date, during_run, light) values (${id}, ${runnerId}, ${runs[runs.length - 6 + k]!.localDate}, ${k === 2 ? 4 : 1}, ${k === 2 ? 'amber' : 'green'})`,
      );
    }
    // an open after-run question for the latest run
    const [prompt] = await ctx.deps.db
      .insert(painPrompts)
      .values({
        runnerId,
        activityId: ids[ids.length - 1]!,
        kind: 'after_run',
        status: 'sent',
        localDate: runs[runs.length - 1]!.localDate,
        dueAt: new Date(Date.now() - 3600_000),
        expiresAt: new Date(Date.now() + 20 * 3600_000),
      })
      .returning();
    promptId = prompt!.id;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await strava?.close();
    await ctx?.close();
  });

  async function signedInPage(opts: { javaScriptEnabled?: boolean; scanLoginPage?: boolean } = {}): Promise<Page> {
    const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 1, javaScriptEnabled: opts.javaScriptEnabled ?? true });
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    const link = await createMagicLink(ctx.deps, runnerId);
    // the link's page only offers a Continue button (mail scanners fetching the link do not use it up);
    // the button's form POST signs in, with JavaScript on or off
    const res = await page.goto(link.url);
    expect(res?.ok()).toBe(true);
    expect(new URL(page.url()).pathname).toBe(new URL(link.url).pathname);
    if (opts.scanLoginPage) {
      await expectAccessible(page, 'login');
      await screenshot(page, 'login-phone');
    }
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    return page;
  }

  it('a magic link opens the home page: this week vs last with units, lights and the latest runs', async () => {
    const page = await signedInPage({ scanLoginPage: true });
    await expect(page.locator('h1').textContent()).resolves.toBe('Your running');
    await expect(page.locator('header .who').textContent()).resolves.toBe('Ana Berg');
    const rows = await page.locator('section[aria-labelledby="week-h"] tbody th').allTextContents();
    expect(rows).toEqual(['Distance (km)', 'Running time (hours and minutes)', 'Descent (metres downhill)', 'Runs', 'Knee light (worst of the week)']);
    expect(await page.locator('.runs li').count()).toBe(5);
    expect(await page.getByText('Green streak:').count()).toBe(1);
    // the stylesheet is same-origin and applied (no inline style needed under the CSP)
    expect(
      await page
        .locator('header.site')
        .evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor),
    ).toBe('rgb(29, 79, 145)');
    await expectAccessible(page, 'home');
    await screenshot(page, 'home-phone');
    await page.context().close();
  });

  it('answers a pending pain question in place on the home page (JavaScript off)', async () => {
    const page = await signedInPage({ javaScriptEnabled: false });
    const form = page.locator(`#prompt-${promptId} form`);
    expect(await form.count()).toBe(1);
    // a missing answer is refused and marked, nothing saved
    await form.locator('input[name="duringRun"][value="2"]').check();
    await form.getByRole('button', { name: 'Save my answers' }).click();
    expect(await page.locator(`#prompt-${promptId} [role="alert"]`).count()).toBe(1);
    expect(await ctx.deps.db.select().from(painAnswers).where(eq(painAnswers.promptId, promptId))).toEqual([]);
    await screenshot(page, 'home-answer-error-phone');
    const again = page.locator(`#prompt-${promptId} form`);
    await again.locator('input[name="duringRun"][value="2"]').check();
    await again.locator('input[name="painNow"][value="1"]').check();
    await again.locator('input[name="stoppedForKnee"][value="no"]').check();
    await again.getByRole('button', { name: 'Save my answers' }).click();
    await page.waitForURL(/\/\?answered=1$/);
    expect(await page.getByText('Thank you, your answer was saved.').count()).toBe(1);
    expect(await page.locator(`#prompt-${promptId}`).count()).toBe(0);
    const [answer] = await ctx.deps.db.select().from(painAnswers).where(eq(painAnswers.promptId, promptId));
    expect(answer).toMatchObject({ painDuring: 2, painNow: 1, stoppedForKnee: false, via: 'page' });
    await page.context().close();
  });

  it('sets a cadence goal through the form; the chart shows one dot per run and the baseline and target lines', async () => {
    const page = await signedInPage();
    await page.getByRole('link', { name: 'Cadence' }).click();
    await expect(page.locator('h2#set-h').textContent()).resolves.toBe('Set a cadence goal');
    await page.selectOption('#targetPct', '5');
    await page.fill('#startDate', addDays(today, -14));
    await page.getByRole('button', { name: 'Start the goal' }).click();
    await page.waitForURL(/\/cadence\?saved=1$/);
    await expect(page.locator('p.notice').textContent()).resolves.toBe('Your cadence goal is saved.');
    const report = await getCadenceReport(ctx.deps, runnerId);
    const withDot = report.runs.filter((r) => r.adjustedCadenceSpm !== null).length;
    expect(withDot).toBeGreaterThan(10);
    expect(await page.locator('svg.cadence-chart .dot').count()).toBe(withDot);
    expect(await page.locator('svg.cadence-chart #baseline-line').getAttribute('data-spm')).toBe(String(report.goal!.baselineSpm));
    expect(await page.locator('svg.cadence-chart #target-line').getAttribute('data-spm')).toBe(String(report.goal!.targetSpm));
    await expectAccessible(page, 'cadence');
    await screenshot(page, 'cadence-phone');
    await page.context().close();
  });

  it('connects Strava: the button goes to Strava and back, and the page then shows the connection', async () => {
    const page = await signedInPage();
    await page.goto(`${app.url}/connect`);
    await expectAccessible(page, 'connect');
    await screenshot(page, 'connect-phone');
    const button = page.getByRole('link', { name: 'Connect with Strava' });
    expect(await button.getAttribute('href')).not.toContain(runnerId);
    await button.click();
    await page.waitForURL(/\/connect\/strava\/callback/);
    await expect(page.locator('h1').textContent()).resolves.toBe('Strava connected');
    expect(stravaCalls).toEqual(expect.arrayContaining(['GET /oauth/authorize', 'POST /oauth/token']));
    const [conn] = await ctx.deps.db.select().from(connections).where(eq(connections.runnerId, runnerId));
    expect(conn).toMatchObject({ provider: 'strava', externalAthleteId: '55501', status: 'active' });
    await page.goto(`${app.url}/connect`);
    expect(await page.getByText('Connected.', { exact: true }).count()).toBe(1);
    expect(await page.getByText('Powered by Strava').count()).toBe(1);
    await page.getByRole('link', { name: 'Disconnect Strava' }).click();
    expect(await page.getByText('Every run we received from Strava is deleted').count()).toBe(1);
    await expectAccessible(page, 'disconnect');
    await page.context().close();
  });

  it('diary: filters by date and offers the CSV', async () => {
    const page = await signedInPage();
    await page.goto(`${app.url}/diary`);
    await page.fill('#from', addDays(today, -10));
    await page.fill('#to', today);
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/from=/);
    const rows = await page.locator('table tbody tr').count();
    expect(rows).toBeGreaterThanOrEqual(4);
    expect(rows).toBeLessThanOrEqual(6);
    expect(await page.getByRole('link', { name: /Download these runs as CSV/ }).getAttribute('href')).toContain(`from=${addDays(today, -10)}`);
    // change a run's pain answers from the diary
    await page
      .locator('table tbody tr')
      .last()
      .getByRole('link', { name: /Edit pain answers/ })
      .click();
    await expect(page.locator('h1').textContent()).resolves.toBe('Change pain answers');
    await expectAccessible(page, 'diary-edit');
    await page.selectOption('#duringRun', '3');
    await page.fill('#note', 'steep downhill at the end');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/diary\?saved=1$/);
    expect(await page.getByText('steep downhill at the end').count()).toBe(1);
    await expectAccessible(page, 'diary');
    await screenshot(page, 'diary-phone');
    await page.context().close();
  });

  it('shares with a physiotherapist after consent (JavaScript off); the share page is read-only', async () => {
    const page = await signedInPage({ javaScriptEnabled: false });
    await page.goto(`${app.url}/share`);
    await expectAccessibleNoJs(page);
    await page.fill('#recipient', 'Kari Nordmann, physiotherapist');
    // without the consent box nothing is created: the browser's own required check stops the form
    await page.getByRole('button', { name: 'Create the share link' }).click();
    expect(await page.locator('#share-url').count()).toBe(0);
    await page.check('#consent');
    await page.getByRole('button', { name: 'Create the share link' }).click();
    const url = await page.locator('#share-url').inputValue();
    expect(url.startsWith(`${app.url}/s/`)).toBe(true);
    expect(await page.getByText('Kari Nordmann, physiotherapist').count()).toBeGreaterThan(0);
    await screenshot(page, 'share-phone');

    // the physiotherapist: no session, no forms, not indexed
    const physio = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 1 });
    const view = await physio.newPage();
    await view.goto(url);
    await expect(view.locator('h1').textContent()).resolves.toBe('Ana Berg’s running diary');
    expect(await view.locator('form, input, button, select, textarea').count()).toBe(0);
    expect(await view.locator('meta[name="robots"]').getAttribute('content')).toBe('noindex, nofollow');
    expect(await view.locator('svg.cadence-chart').count()).toBe(1);
    await expectAccessible(view, 'share-view');
    await screenshot(view, 'share-view-phone');

    // revoking ends it
    await page.getByRole('button', { name: /Revoke access for Kari/ }).click();
    expect((await view.goto(url))?.status()).toBe(410);
    await expect(view.locator('h1').textContent()).resolves.toBe('This share link was withdrawn');
    await physio.close();
    await page.context().close();
  });

  /** axe needs script; with JavaScript off the scan runs on the same URL in a script-enabled context. */
  async function expectAccessibleNoJs(page: Page): Promise<void> {
    const state = await page.context().storageState();
    const ctx2 = await browser.newContext({ viewport: PHONE, storageState: state });
    const p2 = await ctx2.newPage();
    await p2.goto(page.url());
    await expectAccessible(p2, new URL(page.url()).pathname);
    await ctx2.close();
  }
});
