import { eq } from 'drizzle-orm';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifications } from '../../src/db/schema/index.js';
import { Webhook } from 'standardwebhooks';
import { ID_HEADER, PushFailedError, SIGNATURE_HEADER, TIMESTAMP_HEADER, deliverNotification, recordNotification } from '../../src/services/notify.js';
import { buildRunner } from '../factories/runners.js';
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
