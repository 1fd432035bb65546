import { createDecipheriv, createECDH, hkdfSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import request from 'supertest';
import webpush from 'web-push';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushSubscriptions } from '../../src/db/schema/index.js';
import { createMagicLink } from '../../src/services/sessions/index.js';
import { promptTopic, pushChannel, sendPromptPush } from '../../src/services/push.js';
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
      res.writeHead(answerStatus).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpointBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ctx = await createTestContext({ VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey, VAPID_SUBJECT: 'mailto:push@example.org' });
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

async function subscribeThroughThePage(runnerId: string, endpoint: string, keys: ReturnType<typeof browserKeys>) {
  const link = await createMagicLink(ctx.deps, runnerId);
  const opened = await openMagicLink(ctx.app, ctx.env.PUBLIC_URL, new URL(link.url).pathname);
  const cookie = sessionCookieOf(opened, ctx.env.PUBLIC_URL);
  const home = await request(ctx.app).get('/').set('Cookie', cookie);
  expect(home.text).toContain(`data-vapid-key="${vapid.publicKey}"`);
  const csrf = /data-csrf="([^"]+)"/.exec(home.text)![1]!;
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
