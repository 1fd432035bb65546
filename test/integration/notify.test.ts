import { eq } from 'drizzle-orm';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifications } from '../../src/db/schema/index.js';
import { DELIVERY_HEADER, PushFailedError, SIGNATURE_HEADER, TIMESTAMP_HEADER, deliverNotification, recordNotification, signPush } from '../../src/services/notify.js';
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
    const id = await recordNotification(ctx.deps.db, { runnerId: runner.id, kind: 'warning', subjectId: 'w-1', payload: { code: 'LOAD_JUMP' } });
    expect(id).toBeTruthy();
    expect(await recordNotification(ctx.deps.db, { runnerId: runner.id, kind: 'warning', subjectId: 'w-1', payload: { code: 'LOAD_JUMP' } })).toBeNull();

    const now = () => new Date('2026-11-23T10:00:00Z');
    const deps = { db: ctx.deps.db, fetch: globalThis.fetch, now, url: 'http://hooks.example.test/in', secret: 's3cret' };
    const seen: Array<Record<string, string>> = [];
    const scope = nock('http://hooks.example.test')
      .post('/in')
      .reply(503)
      .post('/in')
      .reply(function (_u, body) {
        seen.push(this.req.headers as Record<string, string>);
        expect(this.req.headers[SIGNATURE_HEADER]).toBe(signPush('s3cret', Number(this.req.headers[TIMESTAMP_HEADER]), JSON.stringify(body)));
        return [200, 'ok'];
      });

    await expect(deliverNotification(deps, id!)).rejects.toBeInstanceOf(PushFailedError);
    await expect(deliverNotification(deps, id!)).resolves.toBe('delivered');
    await expect(deliverNotification(deps, id!)).resolves.toBe('already_delivered');
    expect(scope.isDone()).toBe(true);
    expect(seen[0]![DELIVERY_HEADER]).toBe(id);
    expect(seen[0]![TIMESTAMP_HEADER]).toBe(String(Date.parse('2026-11-23T10:00:00Z') / 1000));

    const [row] = await ctx.deps.db.select().from(notifications).where(eq(notifications.id, id!));
    expect(row!.status).toBe('delivered');
    expect(row!.attempts.map((a) => a.status)).toEqual([503, 200]);
  });
});
