import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifications, promptDeliveries } from '../../src/db/schema/index.js';
import { Webhook } from 'standardwebhooks';
import { jobIdOf } from '../../src/jobs/queues.js';
import { webhookChannel } from '../../src/services/prompts/channels.js';
import { sendPrompt } from '../../src/services/prompts/send.js';
import { FINAL_FAILURE_HANDLERS } from '../../workers/final-failure.js';
import { ID_HEADER, PushFailedError, SIGNATURE_HEADER, TIMESTAMP_HEADER, deliverNotification, recordNotification } from '../../src/services/notify.js';
import { buildRunner } from '../factories/runners.js';
import { openPrompt, recordLoadJumpWarning } from '../factories/prompts.js';
import { createTestContext, type TestContext } from '../setup/context.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  nock.cleanAll();
  await ctx?.close();
});

describe('outbound pushes', () => {
  it('records a subject once, retries a failed delivery and never delivers twice', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const id = await recordNotification(ctx.deps.db, { runnerId: runner.id, kind: 'warning.raised', subjectId: 'w-1', payload: { code: 'LOAD_JUMP' } });
    expect(id).toBeTruthy();
    expect(await recordNotification(ctx.deps.db, { runnerId: runner.id, kind: 'warning.raised', subjectId: 'w-1', payload: { code: 'LOAD_JUMP' } })).toBeNull();

    const now = () => new Date('2026-11-23T10:00:00Z');
    const secret = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    const deps = { db: ctx.deps.db, fetch: globalThis.fetch, now, url: 'http://hooks.example.test/in', secret };
    const seen: Array<Record<string, string>> = [];
    const scope = nock('http://hooks.example.test')
      .post('/in')
      .reply(503)
      .post('/in')
      .reply(function (_u, body) {
        seen.push(this.req.headers as Record<string, string>);
        // verified as a Standard Webhooks consumer does (signature over id.timestamp.body; the timestamp is the fixed clock, so no tolerance check here)
        const headers = this.req.headers as Record<string, string>;
        const raw = JSON.stringify(body);
        const expected = new Webhook(secret).sign(headers[ID_HEADER]!, new Date(Number(headers[TIMESTAMP_HEADER]) * 1000), raw);
        expect(headers[SIGNATURE_HEADER]).toBe(expected);
        expect((body as { type: string }).type).toBe('warning.raised');
        return [200, 'ok'];
      });

    await expect(deliverNotification(deps, id!)).rejects.toBeInstanceOf(PushFailedError);
    await expect(deliverNotification(deps, id!)).resolves.toBe('delivered');
    await expect(deliverNotification(deps, id!)).resolves.toBe('already_delivered');
    expect(scope.isDone()).toBe(true);
    expect(seen[0]![ID_HEADER]).toBe(id);
    expect(seen[0]![TIMESTAMP_HEADER]).toBe(String(Date.parse('2026-11-23T10:00:00Z') / 1000));

    const [row] = await ctx.deps.db.select().from(notifications).where(eq(notifications.id, id!));
    expect(row!.status).toBe('delivered');
    expect(row!.attempts.map((a) => a.status)).toEqual([503, 200]);
  });
});

/** A loopback receiver that verifies each delivery with standardwebhooks' own Webhook.verify and answers `status`. */
async function startReceiver(verifiers: Webhook[]) {
  const got: Array<{ body: string; verified: boolean[]; type?: string }> = [];
  const state = { status: 500 };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const verified = verifiers.map((w) => {
        try {
          w.verify(body, req.headers as Record<string, string>);
          return true;
        } catch {
          return false;
        }
      });
      got.push({ body, verified, type: (JSON.parse(body) as { type?: string }).type });
      res.writeHead(state.status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    got,
    state,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('prompt webhooks: any configured secret signs, and a prompt counts as delivered only after a 2xx', () => {
  const PLAIN = 'knee-diary shared secret ✓';
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  let c: TestContext;
  beforeAll(async () => {
    // a receiver verifies the plain secret as its UTF-8 key bytes, given raw or as whsec_<base64 of them>
    hook = await startReceiver([
      new Webhook(Buffer.from(PLAIN, 'utf8'), { format: 'raw' }),
      new Webhook(`whsec_${Buffer.from(PLAIN, 'utf8').toString('base64')}`),
    ]);
    c = await createTestContext({ NOTIFY_WEBHOOK_URL: hook.url, NOTIFY_WEBHOOK_SECRET: PLAIN, PUBLIC_URL: 'http://runner.test' });
  });
  afterAll(async () => {
    await c?.close();
    await hook?.close();
  });
  const deliverDeps = () => ({
    db: c.deps.db,
    fetch: globalThis.fetch,
    now: () => new Date(),
    url: c.env.NOTIFY_WEBHOOK_URL!,
    secret: c.env.NOTIFY_WEBHOOK_SECRET,
    tokenEncryptionKey: c.env.tokenEncryptionKey,
  });
  const webhookDelivery = async (promptId: string) =>
    (
      await c.deps.db
        .select()
        .from(promptDeliveries)
        .where(and(eq(promptDeliveries.promptId, promptId), eq(promptDeliveries.channel, 'webhook')))
    )[0]!;
  const outboxRow = async (id: string) => (await c.deps.db.select().from(notifications).where(eq(notifications.id, id)))[0]!;

  it('a 500 is recorded on the outbox row and leaves the delivery pending; a later 2xx marks it delivered once', async () => {
    const runner = await buildRunner(c.deps.db);
    const p = await openPrompt(c, runner.id);
    await expect(sendPrompt(c.deps, p.id, 'due', 1, [webhookChannel])).resolves.toBe('sent');
    const handed = await webhookDelivery(p.id);
    expect(handed.status).toBe('pending');
    expect(handed.notificationId).toBeTruthy();
    const id = handed.notificationId!;
    expect(await c.deps.queues.notify.getJob(jobIdOf('notify.deliver', { notificationId: id })!)).toBeTruthy();

    hook.state.status = 500;
    await expect(deliverNotification(deliverDeps(), id)).rejects.toBeInstanceOf(PushFailedError);
    expect(hook.got).toHaveLength(1);
    expect(hook.got[0]!.verified).toEqual([true, true]);
    expect(hook.got[0]!.type).toBe('pain_prompt.due');
    const failed = await outboxRow(id);
    expect(failed).toMatchObject({ status: 'pending', attemptCount: 1, lastError: 'HTTP 500' });
    expect(failed.lastAttemptAt).toBeInstanceOf(Date);
    expect(failed.attempts.map((a) => a.status)).toEqual([500]);
    expect((await webhookDelivery(p.id)).status).toBe('pending');

    // the prompt job retried (another channel failed, say): the webhook is not sent or counted again
    await sendPrompt(c.deps, p.id, 'due', 1, [webhookChannel]);
    expect(await c.deps.db.select().from(notifications).where(eq(notifications.runnerId, runner.id))).toHaveLength(1);
    expect((await webhookDelivery(p.id)).status).toBe('pending');

    hook.state.status = 204;
    await expect(deliverNotification(deliverDeps(), id)).resolves.toBe('delivered');
    expect(hook.got[1]!.verified).toEqual([true, true]);
    const delivered = await webhookDelivery(p.id);
    expect(delivered.status).toBe('delivered');
    expect(delivered.deliveredAt).toBeInstanceOf(Date);
    expect(await outboxRow(id)).toMatchObject({ status: 'delivered', attemptCount: 2, lastError: null });

    await expect(deliverNotification(deliverDeps(), id)).resolves.toBe('already_delivered');
    expect(hook.got).toHaveLength(2);
    const after = await webhookDelivery(p.id);
    expect(after.attempts).toEqual(delivered.attempts);
    expect(after.deliveredAt).toEqual(delivered.deliveredAt);
  });

  it('a whsec_ secret signs what Webhook(secret).verify accepts', async () => {
    const whsec = `whsec_${Buffer.alloc(32, 11).toString('base64')}`;
    const other = await startReceiver([new Webhook(whsec)]);
    try {
      other.state.status = 200;
      const runner = await buildRunner(c.deps.db);
      const id = await recordLoadJumpWarning(c.deps.db, runner.id);
      await expect(deliverNotification({ ...deliverDeps(), url: other.url, secret: whsec }, id!)).resolves.toBe('delivered');
      expect(other.got.map((g) => g.verified)).toEqual([[true]]);
    } finally {
      await other.close();
    }
  });

  it('a delivery that fails before any request (a secret it cannot use) is still recorded as an attempt', async () => {
    const runner = await buildRunner(c.deps.db);
    const id = await recordLoadJumpWarning(c.deps.db, runner.id);
    const before = hook.got.length;
    await expect(deliverNotification({ ...deliverDeps(), secret: 'whsec_***' }, id!)).rejects.toBeInstanceOf(PushFailedError);
    expect(hook.got).toHaveLength(before);
    const row = await outboxRow(id!);
    expect(row).toMatchObject({ status: 'pending', attemptCount: 1 });
    expect(row.lastError).toMatch(/base64/);
  });

  it('the notify.deliver job delivers a prompt signed with the plain secret, through a real worker', async () => {
    hook.state.status = 204;
    const worker = c.startWorkers();
    const runner = await buildRunner(c.deps.db);
    const p = await openPrompt(c, runner.id);
    await sendPrompt(c.deps, p.id, 'due', 1, [webhookChannel]);
    const deadline = Date.now() + 15_000;
    while ((await webhookDelivery(p.id)).status !== 'delivered' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const d = await webhookDelivery(p.id);
    expect(d.status).toBe('delivered');
    expect(await outboxRow(d.notificationId!)).toMatchObject({ status: 'delivered', attemptCount: 1, lastError: null });
    const got = hook.got.find((g) => (JSON.parse(g.body) as { data: { promptId?: string } }).data.promptId === p.id);
    expect(got?.verified).toEqual([true, true]);
    await worker.close();
  });

  it('when the outbox gives a row up, the prompt delivery handed to it is failed, not delivered', async () => {
    const runner = await buildRunner(c.deps.db);
    const p = await openPrompt(c, runner.id);
    await sendPrompt(c.deps, p.id, 'due', 1, [webhookChannel]);
    const d = await webhookDelivery(p.id);
    await FINAL_FAILURE_HANDLERS['notify.deliver']!(c.deps, { notificationId: d.notificationId! }, { code: 'job_failed', message: 'push failed: HTTP 500' });
    expect((await outboxRow(d.notificationId!)).status).toBe('failed');
    const failed = await webhookDelivery(p.id);
    expect(failed.status).toBe('failed');
    expect(failed.attempts.at(-1)?.error).toBe('webhook not delivered: push failed: HTTP 500');
  });
});
