import { eq } from 'drizzle-orm';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connections } from '../../src/db/schema/index.js';
import { PermanentJobError } from '../../src/lib/errors.js';
import { backfillWindows, requestGarminBackfill } from '../../src/services/garmin/backfill.js';
import { buildGarminConnection, GARMIN_API_ORIGIN, GARMIN_TEST_ENV, GARMIN_TOKEN_ORIGIN, GARMIN_TOKEN_PATH } from '../factories/garmin.js';
import { createTestContext, type TestContext } from '../setup/context.js';

const NOW = new Date('2026-11-23T12:00:00Z');
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext(GARMIN_TEST_ENV, { now: () => NOW });
});
afterEach(() => nock.cleanAll());
afterAll(async () => {
  await ctx?.close();
});

describe('backfillWindows', () => {
  it('covers 84 days in contiguous windows of at most 30 days, newest first', () => {
    const w = backfillWindows(NOW, 84);
    const end = NOW.getTime() / 1000;
    expect(w).toEqual([
      [end - 30 * 86_400, end],
      [end - 60 * 86_400, end - 30 * 86_400],
      [end - 84 * 86_400, end - 60 * 86_400],
    ]);
  });
});

describe('Garmin backfill', () => {
  it('asks Garmin for each window with the user token; a window requested before (409) is fine', async () => {
    const conn = await buildGarminConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
    const seen: Array<{ from: number; to: number }> = [];
    const scope = nock(GARMIN_API_ORIGIN, { reqheaders: { authorization: 'Bearer g-access-1' } })
      .get('/wellness-api/rest/backfill/activities')
      .times(3)
      .query(true)
      .reply(function (uri) {
        const q = new URL(uri, GARMIN_API_ORIGIN).searchParams;
        seen.push({ from: Number(q.get('summaryStartTimeInSeconds')), to: Number(q.get('summaryEndTimeInSeconds')) });
        return seen.length === 2 ? [409, { errorMessage: 'duplicate backfill' }] : [202, ''];
      });
    const result = await requestGarminBackfill(ctx.deps, conn.id, 84);
    expect(result).toEqual({ windows: 3, alreadyRequested: 1 });
    expect(scope.isDone()).toBe(true);
    expect(seen.every((w) => w.to - w.from <= 30 * 86_400)).toBe(true);
    const [row] = await ctx.deps.db.select().from(connections).where(eq(connections.id, conn.id));
    expect(row).toMatchObject({ backfillStatus: 'done', backfillTotal: 3, backfillDone: 3 });
  });

  it('a 401 refreshes the token once and retries; a 401 with the fresh token marks the connection needs_reauth', async () => {
    const conn = await buildGarminConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, { accessToken: 'g-stale', refreshToken: 'g-refresh-b1' });
    nock(GARMIN_API_ORIGIN, { reqheaders: { authorization: 'Bearer g-stale' } })
      .get('/wellness-api/rest/backfill/activities')
      .query(true)
      .reply(401);
    const refresh = nock(GARMIN_TOKEN_ORIGIN)
      .post(GARMIN_TOKEN_PATH, (b) => b.grant_type === 'refresh_token' && b.refresh_token === 'g-refresh-b1')
      .reply(200, { access_token: 'g-fresh', refresh_token: 'g-refresh-b2', expires_in: 86_400 });
    const retried = nock(GARMIN_API_ORIGIN, { reqheaders: { authorization: 'Bearer g-fresh' } })
      .get('/wellness-api/rest/backfill/activities')
      .times(3)
      .query(true)
      .reply(202, '');
    expect(await requestGarminBackfill(ctx.deps, conn.id, 84)).toEqual({ windows: 3, alreadyRequested: 0 });
    expect(refresh.isDone() && retried.isDone()).toBe(true);

    const dead = await buildGarminConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, { accessToken: 'g-stale-2', refreshToken: 'g-refresh-c1' });
    nock(GARMIN_API_ORIGIN).get('/wellness-api/rest/backfill/activities').query(true).times(2).reply(401);
    nock(GARMIN_TOKEN_ORIGIN).post(GARMIN_TOKEN_PATH).reply(200, { access_token: 'g-fresh-2', refresh_token: 'g-refresh-c2', expires_in: 86_400 });
    const err = await requestGarminBackfill(ctx.deps, dead.id, 84).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentJobError);
    expect((err as PermanentJobError).code).toBe('garmin_unauthorized');
    const [row] = await ctx.deps.db.select().from(connections).where(eq(connections.id, dead.id));
    expect(row).toMatchObject({ status: 'needs_reauth', statusReason: 'unauthorized_after_refresh', backfillStatus: 'failed' });
  });

  it('records a refused backfill as failed and does not retry it', async () => {
    const conn = await buildGarminConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
    nock(GARMIN_API_ORIGIN).get('/wellness-api/rest/backfill/activities').query(true).reply(403, { errorMessage: 'unknown or revoked token' });
    await expect(requestGarminBackfill(ctx.deps, conn.id, 84)).rejects.toBeInstanceOf(PermanentJobError);
    const [row] = await ctx.deps.db.select().from(connections).where(eq(connections.id, conn.id));
    expect(row!.backfillStatus).toBe('failed');
  });

  it('skips a connection that is no longer active', async () => {
    const conn = await buildGarminConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, { status: 'revoked' });
    expect(await requestGarminBackfill(ctx.deps, conn.id, 84)).toEqual({ skipped: 'connection_revoked' });
  });
});
