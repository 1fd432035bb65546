import { createDecipheriv, createECDH, hkdfSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import request from 'supertest';
import nock from 'nock';
import webpush from 'web-push';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { pushSubscriptions } from '../../src/db/schema/index.js';
import { createMagicLink } from '../../src/services/sessions/index.js';
import type { OutboundNetOptions } from '../../src/lib/public-http.js';
import { promptTopic, pushChannel, savePushSubscription, sendPromptPush } from '../../src/services/push.js';
import type { PromptMessage } from '../../src/services/prompts/message.js';
import { buildRunner } from '../factories/runners.js';
import { openMagicLink, sessionCookieOf } from '../setup/sign-in.js';
import { createTestContext, type TestContext } from '../setup/context.js';

/** A browser's side of a push subscription: its P-256 key pair and auth secret. */
function browserKeys() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { ecdh, p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16) };
}

/** Decrypts an aes128gcm Web Push body (RFC 8188 framing, RFC 8291 keys) with the subscription's private key and auth secret. */
function decryptWebPush(body: Buffer, ua: ReturnType<typeof browserKeys>): string {
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idLen = body[20]!;
  const asPublic = body.subarray(21, 21 + idLen);
  const ciphertext = body.subarray(21 + idLen);
  expect(idLen).toBe(65);
  expect(ciphertext.length).toBeLessThanOrEqual(rs);
  const ecdhSecret = ua.ecdh.computeSecret(asPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), ua.ecdh.getPublicKey(), asPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, ua.auth, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  // last record: the plaintext, then the delimiter 0x02, then zero padding
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  expect(padded[end]).toBe(2);
  return padded.subarray(0, end).toString('utf8');
}

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let ctx: TestContext;
let server: Server;
let endpointBase: string;
const received: Received[] = [];
let answerStatus = 201;
const vapid = webpush.generateVAPIDKeys();

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      if (req.url?.startsWith('/push/redirect')) return void res.writeHead(307, { location: `${endpointBase}/push/after-redirect` }).end();
      res.writeHead(answerStatus).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpointBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ctx = await createTestContext({
    VAPID_PUBLIC_KEY: vapid.publicKey,
    VAPID_PRIVATE_KEY: vapid.privateKey,
    VAPID_SUBJECT: 'mailto:push@example.org',
    PUSH_MAX_SUBSCRIPTIONS_PER_RUNNER: '3',
  });
  // the receiver is on loopback: allowed only through this test-only option
  ctx.deps.pushNetwork = { allowLoopback: true };
});
afterAll(async () => {
  await ctx?.close();
  await new Promise<void>((r) => server.close(() => r()));
});

function promptMessage(runner: { id: string; name: string; timezone: string }, o: Partial<PromptMessage> = {}): PromptMessage {
  return {
    event: 'pain_prompt.due',
    promptId: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
    kind: 'after_run',
    runner: { ...runner, email: null },
    title: 'How is your knee after Monday’s run?',
    text: 'Monday 23 Nov · 5.4 km · 30 min\nHow bad was the knee pain during the run (0–10)?',
    answerUrl: `${ctx.env.PUBLIC_URL}/p/answer-token`,
    run: null,
    questions: [],
    dueAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + 2 * 3600_000).toISOString(),
    ...o,
  };
}

/** A signed-in page session of the runner: its cookie and the CSRF token of its home page. */
async function pageSession(runnerId: string): Promise<{ cookie: string; csrf: string }> {
  const link = await createMagicLink(ctx.deps, runnerId);
  const opened = await openMagicLink(ctx.app, ctx.env.PUBLIC_URL, new URL(link.url).pathname);
  const cookie = sessionCookieOf(opened, ctx.env.PUBLIC_URL);
  const home = await request(ctx.app).get('/').set('Cookie', cookie);
  expect(home.text).toContain(`data-vapid-key="${vapid.publicKey}"`);
  return { cookie, csrf: /data-csrf="([^"]+)"/.exec(home.text)![1]! };
}

async function subscribeThroughThePage(runnerId: string, endpoint: string, keys: ReturnType<typeof browserKeys>) {
  const { cookie, csrf } = await pageSession(runnerId);
  const sub = { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth.toString('base64url') } };
  expect((await request(ctx.app).post('/push/subscriptions').set('Cookie', cookie).send(sub)).status).toBe(403);
  const saved = await request(ctx.app).post('/push/subscriptions').set('Cookie', cookie).set('x-csrf-token', csrf).send(sub);
  expect(saved.status).toBe(201);
  const bad = await request(ctx.app)
    .post('/push/subscriptions')
    .set('Cookie', cookie)
    .set('x-csrf-token', csrf)
    .send({ endpoint: 'http://10.0.0.1/push', keys: sub.keys });
  expect(bad.status).toBe(422);
}

describe('Web Push of prompts', () => {
  it('delivers an encrypted prompt the subscription can decrypt, with TTL until expiry and the prompt as topic', async () => {
    const runner = await buildRunner(ctx.deps.db, { name: 'Ana' });
    const keys = browserKeys();
    await subscribeThroughThePage(runner.id, `${endpointBase}/push/ana`, keys);

    received.length = 0;
    const msg = promptMessage(runner);
    expect(pushChannel.enabled(ctx.deps, { ...runner, email: null } as never)).toBe(true);
    await expect(sendPromptPush(ctx.deps, msg)).resolves.toEqual({ sent: 1, removed: 0 });
    expect(received).toHaveLength(1);
    const got = received[0]!;
    expect(got.path).toBe('/push/ana');
    expect(got.headers['content-encoding']).toBe('aes128gcm');
    const ttl = Number(got.headers.ttl);
    expect(ttl).toBeGreaterThan(7100);
    expect(ttl).toBeLessThanOrEqual(7200);
    expect(got.headers.topic).toBe(promptTopic(msg.promptId));
    expect(got.headers.topic).toBe('1b4e28ba2fa111d2883f0016d3cca427');
    expect(got.headers.authorization).toMatch(new RegExp(`^vapid t=[\\w-]+\\.[\\w-]+\\.[\\w-]+, k=${vapid.publicKey}$`));
    const payload = JSON.parse(decryptWebPush(got.body, keys));
    expect(payload).toMatchObject({ title: msg.title, url: msg.answerUrl, promptId: msg.promptId, tag: `prompt-${msg.promptId}`, event: 'pain_prompt.due' });
    expect(payload.body).toContain('How bad was the knee pain');

    // the reminder replaces the first notification: same topic and tag
    await sendPromptPush(ctx.deps, promptMessage(runner, { event: 'pain_prompt.reminder', expiresAt: new Date(Date.now() + 600_000).toISOString() }));
    const reminder = received[1]!;
    expect(reminder.headers.topic).toBe(got.headers.topic);
    expect(Number(reminder.headers.ttl)).toBeLessThanOrEqual(600);
    expect(JSON.parse(decryptWebPush(reminder.body, keys))).toMatchObject({ tag: payload.tag, event: 'pain_prompt.reminder' });
  });

  it('drops a subscription the push service says is gone, and throws when nothing was delivered', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const keys = browserKeys();
    await subscribeThroughThePage(runner.id, `${endpointBase}/push/gone`, keys);
    answerStatus = 410;
    await expect(sendPromptPush(ctx.deps, promptMessage(runner))).resolves.toEqual({ sent: 0, removed: 1 });
    expect(await ctx.deps.db.select().from(pushSubscriptions).where(eq(pushSubscriptions.runnerId, runner.id))).toEqual([]);

    await subscribeThroughThePage(runner.id, `${endpointBase}/push/flaky`, keys);
    answerStatus = 500;
    await expect(sendPromptPush(ctx.deps, promptMessage(runner))).rejects.toThrow(/push service answered 500/);
    const [row] = await ctx.deps.db.select().from(pushSubscriptions).where(eq(pushSubscriptions.runnerId, runner.id));
    expect(row?.failures).toBe(1);
    answerStatus = 201;
  });

  it('serves the manifest, the service worker and the opt-in script from the app itself', async () => {
    const manifest = await request(ctx.app).get('/manifest.webmanifest');
    expect(manifest.headers['content-type']).toContain('application/manifest+json');
    expect(JSON.parse(manifest.text)).toMatchObject({ start_url: '/', display: 'standalone' });
    const sw = await request(ctx.app).get('/sw.js');
    expect(sw.headers['content-type']).toContain('text/javascript');
    expect(sw.text).toContain("addEventListener('push'");
    expect((await request(ctx.app).get('/assets/push.js')).text).toContain('pushManager.subscribe');
  });
});

/** A resolver answering `addresses` for any name, counting the questions. */
function resolveTo(...addresses: string[]) {
  const asked: string[] = [];
  const resolve = async (hostname: string) => {
    asked.push(hostname);
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { resolve, asked };
}

/** Run `fn` with other Web Push network options (the app reads them from deps at each request). */
async function withNetwork<T>(net: OutboundNetOptions | undefined, fn: () => Promise<T>): Promise<T> {
  const before = ctx.deps.pushNetwork;
  ctx.deps.pushNetwork = net;
  try {
    return await fn();
  } finally {
    ctx.deps.pushNetwork = before;
  }
}

function subscriptionKeys() {
  const k = browserKeys();
  return { p256dh: k.p256dh, auth: k.auth.toString('base64url') };
}

const subscriptionsOf = (runnerId: string) => ctx.deps.db.select().from(pushSubscriptions).where(eq(pushSubscriptions.runnerId, runnerId));

describe('Web Push cannot reach internal hosts', () => {
  it('the page refuses internal, IP and unknown endpoints with a 422 saying why, and takes a push service', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const { cookie, csrf } = await pageSession(runner.id);
    const keys = subscriptionKeys();
    const post = (endpoint: string) => request(ctx.app).post('/push/subscriptions').set('Cookie', cookie).set('x-csrf-token', csrf).send({ endpoint, keys });
    await withNetwork(undefined, async () => {
      for (const endpoint of [
        'https://127.0.0.1/push',
        'https://10.0.0.1/push',
        'https://172.20.1.1/push',
        'https://192.168.1.20/push',
        'https://169.254.169.254/latest/meta-data',
        'https://[::1]/push',
        'https://[fe80::1]/push',
        'https://[fd00::1]/push',
        'https://[::ffff:127.0.0.1]/push',
        'https://[::ffff:a9fe:a9fe]/push',
      ]) {
        const res = await post(endpoint);
        expect(res.status, endpoint).toBe(422);
        // the page's error answer names the reason
        expect(res.text, endpoint).toContain('body.endpoint: must not point to an internal address');
      }
      expect((await post('https://93.184.215.14/push')).text).toContain('body.endpoint: must name a push service, not an IP address');
      const unknown = await post('https://evil.example/push');
      expect(unknown.status).toBe(422);
      expect(unknown.text).toContain('body.endpoint: must be on a known push service (*.push.services.mozilla.com, fcm.googleapis.com');
      expect((await post(`${endpointBase}/push/loopback`)).status).toBe(422);
      expect(await subscriptionsOf(runner.id)).toEqual([]);
      expect((await post('https://updates.push.services.mozilla.com/wpush/v2/gAAAAAB-ok')).status).toBe(201);
    });
    expect((await subscriptionsOf(runner.id)).map((r) => r.endpoint)).toEqual(['https://updates.push.services.mozilla.com/wpush/v2/gAAAAAB-ok']);
  });

  it('refuses at send time a push-service name that resolves to an internal address, before any request', async () => {
    const runner = await buildRunner(ctx.deps.db);
    received.length = 0;
    for (const answer of [['127.0.0.1'], ['::ffff:127.0.0.1'], ['34.117.65.55', '10.0.0.1']]) {
      const dns = resolveTo(...answer);
      await withNetwork({ resolve: dns.resolve }, async () => {
        await savePushSubscription(ctx.deps, runner.id, { endpoint: 'https://updates.push.services.mozilla.com/wpush/v2/rebound', keys: subscriptionKeys() });
        await expect(sendPromptPush(ctx.deps, promptMessage(runner))).rejects.toThrow(/resolves to .*, which is not a public address/);
      });
      expect(dns.asked).toEqual(['updates.push.services.mozilla.com']);
    }
    expect(received).toEqual([]);
    const [row] = await subscriptionsOf(runner.id);
    expect(row!.failures).toBe(1); // saving it again cleared the earlier failures
  });

  it('connects to the address it checked: the name is resolved once and never again by the connection', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const dns = resolveTo('127.0.0.1');
    const port = new URL(endpointBase).port;
    received.length = 0;
    // the test's network guard allows this name: the connection itself decides where it goes
    nock.enableNetConnect(/^(127\.0\.0\.1|localhost|\[::1\]|updates\.push\.services\.mozilla\.com)(:\d+)?$/);
    onTestFinished(() => void nock.enableNetConnect(/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/));
    await withNetwork({ allowLoopback: true, resolve: dns.resolve }, async () => {
      await savePushSubscription(ctx.deps, runner.id, { endpoint: `http://updates.push.services.mozilla.com:${port}/push/pinned`, keys: subscriptionKeys() });
      await expect(sendPromptPush(ctx.deps, promptMessage(runner))).resolves.toEqual({ sent: 1, removed: 0 });
    });
    expect(dns.asked).toEqual(['updates.push.services.mozilla.com']);
    expect(received.map((r) => [r.path, r.headers.host])).toEqual([['/push/pinned', `updates.push.services.mozilla.com:${port}`]]);
  });

  it('drops a stored endpoint the policy refuses without sending to it', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const keys = subscriptionKeys();
    // as saved before endpoints were checked
    await ctx.deps.db.insert(pushSubscriptions).values({ runnerId: runner.id, endpoint: 'https://169.254.169.254/latest/meta-data', ...keys });
    received.length = 0;
    await withNetwork(undefined, () =>
      expect(sendPromptPush(ctx.deps, promptMessage(runner))).rejects.toThrow(
        'web push not delivered: endpoint refused: must not point to an internal address',
      ),
    );
    expect(received).toEqual([]);
    expect(await subscriptionsOf(runner.id)).toEqual([]);
  });

  it('a redirect is a failure and is not followed', async () => {
    const runner = await buildRunner(ctx.deps.db);
    await savePushSubscription(ctx.deps, runner.id, { endpoint: `${endpointBase}/push/redirect`, keys: subscriptionKeys() });
    received.length = 0;
    await expect(sendPromptPush(ctx.deps, promptMessage(runner))).rejects.toThrow(
      'web push not delivered: push service answered 307 (a redirect, not followed)',
    );
    expect(received.map((r) => r.path)).toEqual(['/push/redirect']);
    expect((await subscriptionsOf(runner.id))[0]!.failures).toBe(1);
  });

  it('keeps at most PUSH_MAX_SUBSCRIPTIONS_PER_RUNNER subscriptions: a new one replaces the oldest', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const save = (n: number) => savePushSubscription(ctx.deps, runner.id, { endpoint: `${endpointBase}/push/cap-${n}`, keys: subscriptionKeys() });
    const endpoints = async () => (await subscriptionsOf(runner.id)).map((r) => new URL(r.endpoint).pathname).sort();
    for (const n of [1, 2, 3]) expect((await save(n)).replaced).toBe(0);
    expect((await save(4)).replaced).toBe(1);
    expect(await endpoints()).toEqual(['/push/cap-2', '/push/cap-3', '/push/cap-4']);
    // saving a browser already subscribed again replaces nothing
    expect((await save(2)).replaced).toBe(0);
    expect(await endpoints()).toEqual(['/push/cap-2', '/push/cap-3', '/push/cap-4']);
    const { cookie, csrf } = await pageSession(runner.id);
    const res = await request(ctx.app)
      .post('/push/subscriptions')
      .set('Cookie', cookie)
      .set('x-csrf-token', csrf)
      .send({ endpoint: `${endpointBase}/push/cap-5`, keys: subscriptionKeys() });
    expect(res.status).toBe(201);
    expect(await endpoints()).toEqual(['/push/cap-3', '/push/cap-4', '/push/cap-5']);
  });

  it('answers unsubscribe the same whether or not the endpoint was subscribed', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const endpoint = `${endpointBase}/push/leaving`;
    await savePushSubscription(ctx.deps, runner.id, { endpoint, keys: subscriptionKeys() });
    const { cookie, csrf } = await pageSession(runner.id);
    const unsubscribe = (body: object) => request(ctx.app).post('/push/unsubscribe').set('Cookie', cookie).set('x-csrf-token', csrf).send(body);
    const answers = [];
    for (const e of [endpoint, endpoint, `${endpointBase}/push/never-subscribed`, 'https://10.0.0.1/x']) {
      const res = await unsubscribe({ endpoint: e });
      answers.push({ status: res.status, body: res.text, type: res.headers['content-type'] });
    }
    expect(answers).toEqual(new Array(4).fill({ status: 204, body: '', type: undefined }));
    expect(await subscriptionsOf(runner.id)).toEqual([]);
    expect((await unsubscribe({})).status).toBe(422);
    expect((await request(ctx.app).post('/push/unsubscribe').set('Cookie', cookie).send({ endpoint })).status).toBe(403);
  });
});
