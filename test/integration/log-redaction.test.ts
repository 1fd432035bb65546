import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { Router } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertShare } from '../../src/db/queries/shares.js';
import { painPrompts, runners } from '../../src/db/schema/index.js';
import { createApp } from '../../src/http/app.js';
import { newPromptToken } from '../../src/services/prompts/tokens.js';
import { buildRunner } from '../factories/runners.js';
import { STRAVA_TEST_ENV } from '../factories/strava.js';
import { createTestContext, type TestContext } from '../setup/context.js';
import { startTestSmtp, type TestSmtp } from '../setup/smtp.js';

/**
 * The app's logs, captured line by line from the production logger, must not carry any credential or
 * personal detail a runner's flows handled: sign-in link, login and session cookies, CSRF token,
 * connect link and OAuth state, answer link, share links, e-mail, name, recipient, note — nor the
 * parameter values of a failed query.
 */

const lines: string[] = [];
const capture = { write: (s: string) => void lines.push(s) };
let ctx: TestContext;
let smtp: TestSmtp;

beforeAll(async () => {
  smtp = await startTestSmtp();
  ctx = await createTestContext(
    { ...STRAVA_TEST_ENV, PUBLIC_URL: 'http://runner.test', SMTP_URL: smtp.url, MAIL_FROM: 'stridesync <knee@stridesync.test>' },
    { logTo: capture },
  );
});
afterAll(async () => {
  await ctx?.close();
  await smtp?.close();
});

/** The `value` of every `name=value` in a response's Set-Cookie headers (non-empty ones). */
function cookieValues(res: request.Response): string[] {
  return ([] as string[])
    .concat((res.headers['set-cookie'] as unknown as string[] | undefined) ?? [])
    .map((c) => c.split(';')[0]!.split('=').slice(1).join('='))
    .filter((v) => v.length > 0);
}

function cookiePairs(res: request.Response): string {
  return ([] as string[])
    .concat((res.headers['set-cookie'] as unknown as string[] | undefined) ?? [])
    .map((c) => c.split(';')[0]!)
    .filter((c) => !c.endsWith('='))
    .join('; ');
}

function expectNotLogged(secrets: Array<[what: string, value: string]>): void {
  const log = lines.join('');
  expect(log.length).toBeGreaterThan(0);
  for (const [what, value] of secrets) {
    expect(value.length, what).toBeGreaterThanOrEqual(6);
    expect(log.includes(value), `${what} (${value}) appears in the log`).toBe(false);
    expect(log.includes(encodeURIComponent(value)), `${what} (URI-encoded) appears in the log`).toBe(false);
  }
}

describe('request logs', () => {
  it('carry no token, cookie value, e-mail or name from sign-in, connect, answering and sharing', async () => {
    const secrets: Array<[string, string]> = [];
    const name = 'Ana Logsecret-Runner';
    const email = 'ana.logsecret@example.org';
    const runner = await buildRunner(ctx.deps.db, { name });
    await ctx.deps.db.update(runners).set({ email }).where(eq(runners.id, runner.id));
    secrets.push(['name', name], ['e-mail', email]);

    // sign-in link, e-mailed
    const link = await request(ctx.app).post(`/v1/runners/${runner.id}/links`).set(ctx.auth);
    expect(link.status).toBe(201);
    expect(link.body.emailed).toBe(true);
    const mail = smtp.mails
      .at(-1)!
      .replace(/=\r?\n/g, '')
      .replace(/=3D/g, '=');
    const loginPath = new URL(/http:\/\/runner\.test\/login\/[A-Za-z0-9_-]+/.exec(mail)![0]).pathname;
    expect(new URL(link.body.url as string).pathname).toBe(loginPath);
    secrets.push(['sign-in token', loginPath.split('/').pop()!]);

    // its Continue page, then the Continue POST
    const page = await request(ctx.app).get(loginPath);
    expect(page.status).toBe(200);
    const nonce = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    secrets.push(['login form nonce', nonce], ...cookieValues(page).map((v): [string, string] => ['login cookie', v]));
    const signedIn = await request(ctx.app)
      .post(loginPath)
      .set('Cookie', cookiePairs(page))
      .set('Origin', 'http://runner.test')
      .type('form')
      .send({ _csrf: nonce });
    expect(signedIn.status).toBe(303);
    const sessionValues = cookieValues(signedIn);
    expect(sessionValues.length).toBeGreaterThan(0);
    secrets.push(...sessionValues.map((v): [string, string] => ['session cookie', v]));
    const cookie = cookiePairs(signedIn);
    const home = await request(ctx.app).get('/').set('Cookie', cookie);
    expect(home.status).toBe(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(home.text)![1]!;
    secrets.push(['CSRF token', csrf]);

    // a connect link and the OAuth redirect it starts (state in the Location, nonce in a cookie)
    const connect = await request(ctx.app).post(`/v1/runners/${runner.id}/connect-links`).set(ctx.auth).send({ provider: 'strava' });
    expect(connect.status).toBe(201);
    const connectUrl = new URL(connect.body.url as string);
    secrets.push(['connect link', connectUrl.searchParams.get('link')!]);
    const started = await request(ctx.app).get(connectUrl.pathname + connectUrl.search);
    expect(started.status).toBe(302);
    secrets.push(
      ['OAuth state', new URL(started.headers.location!).searchParams.get('state')!],
      ...cookieValues(started).map((v): [string, string] => ['connect cookie', v]),
    );

    // a pain question answered through its page
    const { token: promptToken, hash: promptHash, enc: promptEnc } = newPromptToken(ctx.env.tokenEncryptionKey);
    const now = ctx.deps.now();
    await ctx.deps.db.insert(painPrompts).values({
      runnerId: runner.id,
      kind: 'rest_morning',
      status: 'sent',
      localDate: now.toISOString().slice(0, 10),
      dueAt: now,
      sentAt: now,
      expiresAt: new Date(now.getTime() + 6 * 3600_000),
      tokenHash: promptHash,
      tokenEnc: promptEnc,
    });
    secrets.push(['answer token', promptToken]);
    const note = 'knee-note-logsecret';
    secrets.push(['note', note]);
    expect((await request(ctx.app).get(`/p/${promptToken}`)).status).toBe(200);
    const answered = await request(ctx.app).post(`/p/${promptToken}`).type('form').send({ nextMorning: '2', note });
    expect(answered.status).toBe(303);
    expect((await request(ctx.app).get(answered.headers.location!)).text).toContain('your answers are saved');

    // a share made on the Share page, and one through the API, both opened
    const recipient = 'Kari Logsecret-Physio';
    secrets.push(['recipient', recipient]);
    const shared = await request(ctx.app)
      .post('/share')
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf, recipient, sections: ['diary', 'weeks'], expiresInDays: '7', consent: 'yes' });
    expect(shared.status).toBe(200);
    const shareUrl = /value="(http:\/\/runner\.test\/s\/[A-Za-z0-9_-]+)"/.exec(shared.text)![1]!;
    const apiShare = await request(ctx.app).post(`/v1/runners/${runner.id}/shares`).set(ctx.auth).send({ recipient, consent: true });
    expect(apiShare.status).toBe(201);
    for (const url of [shareUrl, apiShare.body.url as string]) {
      const path = new URL(url).pathname;
      secrets.push(['share token', path.split('/').pop()!]);
      const opened = await request(ctx.app).get(path);
      expect(opened.status).toBe(200);
      expect(opened.text).toContain(recipient);
    }

    expect((await request(ctx.app).post('/logout').set('Cookie', cookie).type('form').send({ _csrf: csrf })).status).toBe(200);

    expectNotLogged(secrets);
    // every request above was logged, with its path masked where it holds a token
    const logged = lines.map((l) => JSON.parse(l) as { req?: { url?: string }; res?: { headers?: Record<string, unknown> } });
    const urls = logged.map((l) => l.req?.url).filter(Boolean);
    expect(urls).toContain('/login/[redacted]');
    expect(urls).toContain('/p/[redacted]');
    expect(urls).toContain('/s/[redacted]');
    expect(urls).toContain('/connect/strava');
    const setCookies = logged.flatMap((l) => ([] as unknown[]).concat(l.res?.headers?.['set-cookie'] ?? []));
    expect(setCookies.some((c) => String(c).startsWith('stridesync_session=[redacted];'))).toBe(true);
  });
});

describe('failed queries', () => {
  it('are logged with their statement but without their parameter values, from a request and from a background job', async () => {
    const recipient = 'Kari Paramsecret-Physio';
    // a unique violation (the same link token twice): a plain failed query, answered 500
    const owner = await buildRunner(ctx.deps.db, { name: 'Owner Paramsecret' });
    const tokenHash = `hash-paramsecret-${randomUUID()}`;
    const failing = () =>
      insertShare(ctx.deps.db, {
        runnerId: owner.id,
        tokenHash,
        recipient,
        sections: ['diary'],
        consentedAt: new Date(),
        expiresAt: new Date(Date.now() + 86_400_000),
      });
    await failing(); // the first insert stands; every later one fails on the unique token
    const app = createApp(ctx.deps, {
      publicRoutes: [
        () =>
          Router().get('/test/failing-query', async () => {
            await failing();
          }),
      ],
    });
    const before = lines.length;
    const res = await request(app).get('/test/failing-query');
    expect(res.status).toBe(500);
    // a worker logs a failed job with the deployment's logger
    const err = await failing().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    ctx.deps.log.error({ err }, 'job failed');

    const logged = lines
      .slice(before)
      .map((l) => JSON.parse(l) as { msg: string; err?: { query?: string; params?: unknown; message?: string; stack?: string } });
    const withQuery = logged.filter((l) => l.err?.query);
    expect(withQuery.map((l) => l.msg)).toEqual(expect.arrayContaining(['unhandled error', 'job failed']));
    for (const l of withQuery) {
      expect(l.err!.query).toContain('insert into "runner_shares"');
      expect(l.err!.params).toBe('[redacted]');
      expect(l.err!.message).toContain('params: [redacted]');
    }
    const text = lines.slice(before).join('');
    for (const value of [recipient, owner.id, tokenHash]) expect(text.includes(value), value).toBe(false);
  });
});
