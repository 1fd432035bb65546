import { and, eq, isNull } from 'drizzle-orm';
import nock from 'nock';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { insertActivityOnce } from '../../src/db/queries/activities.js';
import { purgeDeletedActivities } from '../../src/services/retention.js';
import { activities, connections, painAnswers, painPrompts, upstreamRevokes } from '../../src/db/schema/index.js';
import { runUpstreamRevoke } from '../../src/services/connections/upstream-revoke.js';
import { RECLAIMERS, runRecoverySweep } from '../../src/services/recovery-sweep.js';
import { waitFor } from '../factories/strava.js';
import { buildGarminConnection, GARMIN_API_ORIGIN, GARMIN_TEST_ENV, GARMIN_TOKEN_ORIGIN, GARMIN_TOKEN_PATH } from '../factories/garmin.js';
import { buildStravaConnection, STRAVA_TEST_ENV, STRAVA_TEST_ORIGIN } from '../factories/strava.js';
import { createTestContext, type TestContext } from '../setup/context.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ ...STRAVA_TEST_ENV, ...GARMIN_TEST_ENV });
});
afterEach(() => nock.cleanAll());
afterAll(async () => {
  await ctx?.close();
});

const disconnect = (runnerId: string, provider: string) => request(ctx.app).delete(`/v1/runners/${runnerId}/connections/${provider}`).set(ctx.auth);

describe('DELETE /v1/runners/:id/connections/:provider', () => {
  it("revokes Strava upstream, deletes only Strava activities and keeps the runner's pain answers", async () => {
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, { refreshToken: 'refresh-to-revoke' });
    const strava = (
      await insertActivityOnce(ctx.deps.db, { runnerId: conn.runnerId, connectionId: conn.id, source: 'strava', externalId: '8000001', status: 'ready' })
    ).row;
    const upload = (await insertActivityOnce(ctx.deps.db, { runnerId: conn.runnerId, source: 'upload', externalId: 'sha-1', status: 'ready' })).row;
    const [prompt] = await ctx.deps.db
      .insert(painPrompts)
      .values({ runnerId: conn.runnerId, activityId: strava.id, kind: 'after_run', dueAt: new Date(), expiresAt: new Date() })
      .returning();
    await ctx.deps.db.insert(painAnswers).values({ promptId: prompt!.id, runnerId: conn.runnerId, activityId: strava.id, painDuring: 2, settledAfterMin: 30 });

    const sent: string[] = [];
    const revoke = nock(STRAVA_TEST_ORIGIN, { reqheaders: { authorization: `Basic ${Buffer.from('4242:client-secret').toString('base64')}` } })
      .post('/oauth/revoke', (body) => {
        sent.push(new URLSearchParams(body as never).toString());
        return true;
      })
      .reply(200, {});
    const res = await disconnect(conn.runnerId, 'strava');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ provider: 'strava', status: 'disconnected', upstreamRevoked: true, upstreamRevokePending: false, deletedActivities: 1 });
    expect(await ctx.deps.db.select().from(upstreamRevokes)).toHaveLength(0);
    expect(revoke.isDone()).toBe(true);
    expect(sent[0]).toContain('token=refresh-to-revoke');

    const [row] = await ctx.deps.db.select().from(connections).where(eq(connections.id, conn.id));
    expect(row).toMatchObject({ status: 'revoked', accessTokenEnc: null, refreshTokenEnc: null, statusReason: 'disconnected_by_runner' });
    // soft deleted: hidden at once, recoverable until the retention purge
    const left = await ctx.deps.db
      .select()
      .from(activities)
      .where(and(eq(activities.runnerId, conn.runnerId), isNull(activities.deletedAt)));
    expect(left.map((a) => a.id)).toEqual([upload.id]);
    const [gone] = await ctx.deps.db.select().from(activities).where(eq(activities.id, strava.id));
    expect(gone!.deletedReason).toBe('disconnected_by_runner');
    await purgeDeletedActivities({ db: ctx.deps.db, env: { DELETED_RETENTION_DAYS: 0, WEBHOOK_RETENTION_DAYS: 30 }, now: () => new Date() });
    expect(await ctx.deps.db.select().from(activities).where(eq(activities.id, strava.id))).toHaveLength(0);
    const [answer] = await ctx.deps.db.select().from(painAnswers).where(eq(painAnswers.runnerId, conn.runnerId));
    expect(answer).toMatchObject({ painDuring: 2, activityId: null });

    expect((await disconnect(conn.runnerId, 'strava')).status).toBe(404);
  });

  it('deletes the Garmin registration upstream', async () => {
    const conn = await buildGarminConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
    const del = nock(GARMIN_API_ORIGIN, { reqheaders: { authorization: 'Bearer g-access-1' } })
      .delete('/wellness-api/rest/user/registration')
      .reply(204);
    const res = await disconnect(conn.runnerId, 'garmin');
    expect(res.body).toMatchObject({ provider: 'garmin', upstreamRevoked: true });
    expect(del.isDone()).toBe(true);
  });

  it('a stale Garmin token is refreshed once and the deregistration retried (the session, like every platform call)', async () => {
    const conn = await buildGarminConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, { accessToken: 'g-stale-d', refreshToken: 'g-refresh-d1' });
    const stale = nock(GARMIN_API_ORIGIN, { reqheaders: { authorization: 'Bearer g-stale-d' } })
      .delete('/wellness-api/rest/user/registration')
      .reply(401);
    const refresh = nock(GARMIN_TOKEN_ORIGIN)
      .post(GARMIN_TOKEN_PATH, (b) => b.grant_type === 'refresh_token' && b.refresh_token === 'g-refresh-d1')
      .reply(200, { access_token: 'g-fresh-d', refresh_token: 'g-refresh-d2', expires_in: 86_400 });
    const del = nock(GARMIN_API_ORIGIN, { reqheaders: { authorization: 'Bearer g-fresh-d' } })
      .delete('/wellness-api/rest/user/registration')
      .reply(204);
    const res = await disconnect(conn.runnerId, 'garmin');
    expect(res.body).toMatchObject({ provider: 'garmin', upstreamRevoked: true });
    expect(stale.isDone() && refresh.isDone() && del.isDone()).toBe(true);
  });

  it('still disconnects locally when the platform cannot confirm, and says so', async () => {
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
    nock(STRAVA_TEST_ORIGIN).post('/oauth/revoke').reply(503);
    const res = await disconnect(conn.runnerId, 'strava');
    expect(res.status).toBe(200);
    expect(res.body.upstreamRevoked).toBe(false);
    const [row] = await ctx.deps.db.select().from(connections).where(eq(connections.id, conn.id));
    expect(row).toMatchObject({ status: 'revoked', refreshTokenEnc: null, statusReason: 'disconnected_by_runner_upstream_unconfirmed' });
    expect(res.body.upstreamRevokePending).toBe(true);
  });

  it('a revoke retried after the platform says the grant is gone (401 and a refused refresh) counts as done', async () => {
    const conn = await buildGarminConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, { accessToken: 'g-gone', refreshToken: 'g-gone-r' });
    nock(GARMIN_API_ORIGIN).delete('/wellness-api/rest/user/registration').reply(502);
    const res = await disconnect(conn.runnerId, 'garmin');
    expect(res.body).toMatchObject({ upstreamRevoked: false, upstreamRevokePending: true });
    const [pending] = await ctx.deps.db.select().from(upstreamRevokes).where(eq(upstreamRevokes.externalAthleteId, conn.externalAthleteId));
    await (await ctx.deps.queues.events.getJob(`revoke-upstream-${pending!.id}`))?.remove();
    nock(GARMIN_API_ORIGIN).delete('/wellness-api/rest/user/registration').reply(401);
    nock(GARMIN_TOKEN_ORIGIN).post(GARMIN_TOKEN_PATH).reply(400, { error: 'invalid_grant' });
    expect(await runUpstreamRevoke(ctx.deps, pending!.id)).toEqual({ outcome: 'grant_gone' });
    expect(await ctx.deps.db.select().from(upstreamRevokes).where(eq(upstreamRevokes.id, pending!.id))).toHaveLength(0);
    expect(await runUpstreamRevoke(ctx.deps, pending!.id)).toEqual({ outcome: 'already_done' });
  });

  it('a revoke that failed on a 503 is retried by its job until Strava confirms; the tokens are kept encrypted only until then', async () => {
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, { refreshToken: 'refresh-retried' });
    const bodies: string[] = [];
    const first = nock(STRAVA_TEST_ORIGIN).post('/oauth/revoke').reply(503);
    const res = await disconnect(conn.runnerId, 'strava');
    expect(res.body).toMatchObject({ upstreamRevoked: false, upstreamRevokePending: true });
    expect(first.isDone()).toBe(true);
    const [pending] = await ctx.deps.db.select().from(upstreamRevokes).where(eq(upstreamRevokes.externalAthleteId, conn.externalAthleteId));
    expect(pending).toMatchObject({ provider: 'strava', externalAthleteId: conn.externalAthleteId, connectionStatus: 'active' });
    // the same ciphertext the connection held, never the token in clear
    expect(pending!.refreshTokenEnc).toBe(conn.refreshTokenEnc);
    expect(JSON.stringify(pending)).not.toContain('refresh-retried');
    const [wiped] = await ctx.deps.db.select().from(connections).where(eq(connections.id, conn.id));
    expect(wiped).toMatchObject({ accessTokenEnc: null, refreshTokenEnc: null });
    const job = await ctx.deps.queues.events.getJob(`revoke-upstream-${pending!.id}`);
    expect(job?.name).toBe('connection.revoke-upstream');
    await job!.remove();

    // the job's next attempt meets another 503: it throws (BullMQ retries with back-off), the row stays
    nock(STRAVA_TEST_ORIGIN).post('/oauth/revoke').reply(503);
    await expect(runUpstreamRevoke(ctx.deps, pending!.id)).rejects.toThrow(/503/);
    const [still] = await ctx.deps.db.select().from(upstreamRevokes).where(eq(upstreamRevokes.id, pending!.id));
    expect(still).toMatchObject({ attempts: 1, lastError: expect.stringContaining('503') });

    // then Strava answers 200, through a real worker: done, the tokens are gone
    const ok = nock(STRAVA_TEST_ORIGIN)
      .post('/oauth/revoke', (b) => {
        bodies.push(new URLSearchParams(b as never).toString());
        return (b as { token?: string }).token === 'refresh-retried';
      })
      .reply(200, {});
    const workers = ctx.startWorkers({ queues: ['events'] });
    await ctx.deps.enqueue('connection.revoke-upstream', { revokeId: pending!.id });
    await waitFor(
      async () => (await ctx.deps.db.select().from(upstreamRevokes).where(eq(upstreamRevokes.id, pending!.id))).length === 0,
      15_000,
      'revoke done',
    );
    expect(ok.isDone()).toBe(true);
    expect(bodies).toContain('token=refresh-retried&token_type_hint=refresh_token');
    await workers.close();
  });

  it('the recovery sweep queues a revoke again when its job is gone (lost, or spent while the platform was down)', async () => {
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
    nock(STRAVA_TEST_ORIGIN).post('/oauth/revoke').reply(500);
    expect((await disconnect(conn.runnerId, 'strava')).body.upstreamRevokePending).toBe(true);
    const [pending] = await ctx.deps.db.select().from(upstreamRevokes).where(eq(upstreamRevokes.externalAthleteId, conn.externalAthleteId));
    const jobId = `revoke-upstream-${pending!.id}`;
    await (await ctx.deps.queues.events.getJob(jobId))?.remove();
    const sweep = { ...ctx.deps, env: { ...ctx.env, STALE_AFTER_MS: 60_000 } };
    const reclaimer = RECLAIMERS.filter((r) => r.name === 'upstream-revokes');
    expect(reclaimer).toHaveLength(1);
    // not yet idle for STALE_AFTER_MS: left alone
    expect((await runRecoverySweep(sweep, reclaimer))['upstream-revokes']).toBe(0);
    expect(await ctx.deps.queues.events.getJob(jobId)).toBeUndefined();
    const later = { ...sweep, now: () => new Date(Date.now() + 120_000) };
    expect((await runRecoverySweep(later, reclaimer))['upstream-revokes']).toBeGreaterThanOrEqual(1);
    expect((await ctx.deps.queues.events.getJob(jobId))?.name).toBe('connection.revoke-upstream');
    await (await ctx.deps.queues.events.getJob(jobId))?.remove();
  });

  it('answers 404 without a connection and 422 for an unknown platform', async () => {
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
    expect((await disconnect(conn.runnerId, 'garmin')).status).toBe(404);
    expect((await disconnect(conn.runnerId, 'polar')).status).toBe(422);
    expect((await disconnect('6f1c1a4e-2b9f-4c1e-9d7a-000000000000', 'strava')).status).toBe(404);
  });
});
