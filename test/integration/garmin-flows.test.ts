import { and, eq } from 'drizzle-orm';
import nock from 'nock';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { activities, activityMetrics, connections, painAnswers, painPrompts, webhookEvents } from '../../src/db/schema/index.js';
import { decryptSecret } from '../../src/lib/crypto.js';
import { purgeDeletedActivities } from '../../src/services/retention.js';
import { sweepInbox } from '../../src/services/inbox/sweep.js';
import { acceptFitFile } from '../../src/services/uploads.js';
import { buildSyntheticRunFit } from '../../src/fit/synthetic.js';
import {
  activityFilePing,
  buildGarminConnection,
  GARMIN_HOOK_SECRET,
  GARMIN_TEST_ENV,
  GARMIN_TOKEN_ORIGIN,
  GARMIN_TOKEN_PATH,
  interceptDownload,
} from '../factories/garmin.js';
import { waitFor } from '../factories/strava.js';
import { FIXTURES_MISSING_MESSAGE, HAS_FIXTURES, readFit } from '../fixtures.js';
import { createTestContext, type TestContext } from '../setup/context.js';

let ctx: TestContext;
let unmatched: string[] = [];
/** Outbound requests nock had no interceptor for (the app's own supertest calls to localhost aside). */
const onNoMatch = (req: { hostname?: string; host?: string; path?: string }) => {
  const host = String(req.hostname ?? req.host ?? '');
  if (!/^(127\.0\.0\.1|localhost|::1|\[::1\])(:\d+)?$/.test(host)) unmatched.push(`${host}${req.path ?? ''}`);
};
beforeAll(async () => {
  ctx = await createTestContext(GARMIN_TEST_ENV);
  ctx.startWorkers({ queues: ['events', 'garmin-api', 'compute'] });
  nock.emitter.on('no match', onNoMatch);
});
afterAll(async () => {
  nock.emitter.removeListener('no match', onNoMatch);
  await ctx?.close();
});
afterEach(() => {
  nock.cleanAll();
  unmatched = [];
});

function post(kind: 'activity-files' | 'deregistrations' | 'permissions', body: unknown, clientId = 'garmin-client') {
  return request(ctx.app)
    .post(`/webhooks/garmin/${GARMIN_HOOK_SECRET}/${kind}`)
    .set('garmin-client-id', clientId)
    .send(body as object);
}

async function garminActivities(runnerId: string) {
  return ctx.deps.db
    .select()
    .from(activities)
    .where(and(eq(activities.runnerId, runnerId), eq(activities.source, 'garmin')));
}

async function lastEvent() {
  const rows = await ctx.deps.db.select().from(webhookEvents).where(eq(webhookEvents.provider, 'garmin'));
  return rows.sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime() || b.createdAt.getTime() - a.createdAt.getTime())[0]!;
}

async function completedFetchJobs() {
  return (await ctx.deps.queues['garmin-api'].getJobs(['completed', 'failed'])).filter((j) => j.name === 'garmin.fetch-fit');
}

/** A small but real FIT file made by the project's own writer (for cases where the content does not matter). */
const syntheticFit = () => Buffer.from(buildSyntheticRunFit({ seconds: 600, startTime: new Date('2026-05-01T06:00:00Z') }));

describe.skipIf(!HAS_FIXTURES)('Activity File ping, end to end (real fixture FIT)', () => {
  it('downloads the file with the user token, imports it (source garmin, ready, metrics); the same ping again is one activity', async () => {
    const conn = await buildGarminConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
    const ping = activityFilePing(conn.externalAthleteId, { activityId: 20000000001 });
    const download = interceptDownload(20000000001).reply(200, readFit('fenix2-run.fit'), { 'Content-Type': 'application/octet-stream' });

    const res = await post('activity-files', ping);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('recorded');
    await ctx.drain();
    expect(download.isDone()).toBe(true);

    const rows = await garminActivities(conn.runnerId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'ready', source: 'garmin', externalId: '20000000001', connectionId: conn.id, isRun: true });
    const [metrics] = await ctx.deps.db.select().from(activityMetrics).where(eq(activityMetrics.activityId, rows[0]!.id));
    expect(metrics!.distanceM).toBeCloseTo(9008, -1);
    expect(metrics!.avgCadenceSpm).toBeGreaterThan(150);
    expect((await lastEvent()).outcome).toBe('fetch_queued');

    // Garmin redelivers the same body: the inbox dedupes it.
    expect((await post('activity-files', ping)).body.status).toBe('duplicate');
    // The same file in another notification (new callback URL): nothing is downloaded again.
    const other = activityFilePing(conn.externalAthleteId, { activityId: 20000000001, fileId: 'second-url' });
    expect((await post('activity-files', other)).body.status).toBe('recorded');
    await ctx.drain();
    expect(unmatched).toEqual([]);
    expect(await garminActivities(conn.runnerId)).toHaveLength(1);
  });
});
if (!HAS_FIXTURES) console.warn(FIXTURES_MISSING_MESSAGE);

describe('Activity File failures', () => {
  it('410 Gone is final: recorded on the activity, no retry', async () => {
    const conn = await buildGarminConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
    const gone = interceptDownload(30000000001).reply(410, { errorMessage: 'gone' });
    await post('activity-files', activityFilePing(conn.externalAthleteId, { activityId: 30000000001 }));
    await ctx.drain();
    expect(gone.isDone()).toBe(true);
    expect(unmatched).toEqual([]);
    const [row] = await garminActivities(conn.runnerId);
    expect(row).toMatchObject({ status: 'failed', externalId: '30000000001', fileId: null, countedInLoad: false });
    expect(row!.error?.code).toBe('garmin_file_gone');
    // the job names the inbox row; the callbackURL with Garmin's pull token never goes to Redis
    expect(JSON.stringify((await completedFetchJobs()).map((j) => j.data))).not.toContain('token=');
    const eventId = (await lastEvent()).id;
    const job = (await completedFetchJobs()).find((j) => j.data.eventId === eventId)!;
    expect(job.attemptsMade).toBe(1);
    expect(await job.getState()).toBe('completed');
  });

  it('a file already stored is not downloaded again (its URL would answer 410)', async () => {
    const conn = await buildGarminConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
    const { activityId } = await acceptFitFile(ctx.deps, {
      runnerId: conn.runnerId,
      bytes: syntheticFit(),
      source: 'garmin',
      externalId: '30000000002',
      connectionId: conn.id,
    });
    await ctx.drain();
    const { fetchGarminFit } = await import('../../src/services/garmin/fetch-activity.js');
    const ping = activityFilePing(conn.externalAthleteId, { activityId: 30000000002 }).activityFiles[0]!;
    // Already stored: not even downloaded again.
    expect(
      await fetchGarminFit(ctx.deps, { connectionId: conn.id, summaryId: ping.summaryId, callbackURL: ping.callbackURL, activityId: '30000000002' }),
    ).toEqual({ status: 'already_downloaded', activityId });
    expect(unmatched).toEqual([]);
  });

  it('5xx and 400 are retryable (the job throws, nothing is recorded yet)', async () => {
    const conn = await buildGarminConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
    const { fetchGarminFit } = await import('../../src/services/garmin/fetch-activity.js');
    const { GarminApiError } = await import('../../src/integrations/garmin/client.js');
    const ping = activityFilePing(conn.externalAthleteId, { activityId: 30000000007 }).activityFiles[0]!;
    const payload = { connectionId: conn.id, summaryId: ping.summaryId, callbackURL: ping.callbackURL, activityId: '30000000007' };
    for (const status of [503, 400]) {
      interceptDownload(30000000007).reply(status, { errorMessage: 'try later' });
      const err = await fetchGarminFit(ctx.deps, payload).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GarminApiError);
      expect((err as InstanceType<typeof GarminApiError>).status).toBe(status);
    }
    expect(await garminActivities(conn.runnerId)).toHaveLength(0);
    // ...and the next attempt succeeds.
    interceptDownload(30000000007).reply(200, syntheticFit());
    expect((await fetchGarminFit(ctx.deps, payload)).status).toBe('accepted');
    await ctx.drain();
  });

  it('refuses a callbackURL on a foreign host without making any request', async () => {
    const conn = await buildGarminConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
    const evil = nock('https://evil.example').get(/.*/).reply(200, 'x');
    await post('activity-files', activityFilePing(conn.externalAthleteId, { activityId: 30000000003, host: 'evil.example' }));
    await ctx.drain();
    expect(evil.isDone()).toBe(false);
    expect(unmatched).toEqual([]);
    const [row] = await garminActivities(conn.runnerId);
    expect(row!.status).toBe('failed');
    expect(row!.error?.code).toBe('garmin_callback_refused');
  });

  it('a body that is not FIT (fileType said FIT) is recorded as a failure, not retried', async () => {
    const conn = await buildGarminConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
    const tcx = interceptDownload(30000000004).reply(200, '<?xml version="1.0"?><TrainingCenterDatabase></TrainingCenterDatabase>');
    await post('activity-files', activityFilePing(conn.externalAthleteId, { activityId: 30000000004 }));
    await ctx.drain();
    expect(tcx.isDone()).toBe(true);
    const [row] = await garminActivities(conn.runnerId);
    expect(row!.error?.code).toBe('garmin_not_fit');
    const eventId = (await lastEvent()).id;
    const job = (await completedFetchJobs()).find((j) => j.data.eventId === eventId)!;
    expect(job.attemptsMade).toBe(1);
  });

  it('refreshes an expiring token under the lock (rotation stored encrypted) before downloading', async () => {
    const conn = await buildGarminConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, {
      expiresAt: new Date(Date.now() + 60_000),
      refreshToken: 'old-refresh',
    });
    const refresh = nock(GARMIN_TOKEN_ORIGIN)
      .post(GARMIN_TOKEN_PATH, (b: Record<string, string>) => b.grant_type === 'refresh_token' && b.refresh_token === 'old-refresh')
      .reply(200, { access_token: 'new-access', refresh_token: 'new-refresh', expires_in: 86400, token_type: 'bearer' });
    const dl = interceptDownload(30000000005, 'new-access').reply(200, syntheticFit());
    await post('activity-files', activityFilePing(conn.externalAthleteId, { activityId: 30000000005 }));
    await ctx.drain();
    expect(refresh.isDone() && dl.isDone()).toBe(true);
    const [after] = await ctx.deps.db.select().from(connections).where(eq(connections.id, conn.id));
    expect(decryptSecret(after!.refreshTokenEnc!, ctx.env.tokenEncryptionKey)).toBe('new-refresh');
    expect((await garminActivities(conn.runnerId))[0]!.status).toBe('ready');
  });

  it('ignores files of unknown users (still processed)', async () => {
    await post('activity-files', activityFilePing('nobody-we-know', { activityId: 30000000006 }));
    await ctx.drain();
    const ev = await lastEvent();
    expect(ev.outcome).toBe('ignored_unknown_user');
    expect(ev.processedAt).not.toBeNull();
    expect(unmatched).toEqual([]);
  });
});

describe('after a deregistration and a reconnect, a re-sent activity comes back (like Strava)', () => {
  it('downloaded again, or — when its link answers 410 — restored from the file we still hold', async () => {
    const conn = await buildGarminConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
    const first = await acceptFitFile(ctx.deps, {
      runnerId: conn.runnerId,
      bytes: syntheticFit(),
      source: 'garmin',
      externalId: '45000000001',
      connectionId: conn.id,
    });
    const secondFit = Buffer.from(buildSyntheticRunFit({ seconds: 900, startTime: new Date('2026-05-04T06:00:00Z') }));
    const second = await acceptFitFile(ctx.deps, {
      runnerId: conn.runnerId,
      bytes: secondFit,
      source: 'garmin',
      externalId: '45000000002',
      connectionId: conn.id,
    });
    await ctx.drain();
    expect((await post('deregistrations', { deregistrations: [{ userId: conn.externalAthleteId }] })).status).toBe(200);
    await ctx.drain();
    expect((await garminActivities(conn.runnerId)).every((a) => a.deletedAt)).toBe(true);
    // the runner connects again (same Garmin user): active with fresh tokens
    const { encryptSecret } = await import('../../src/lib/crypto.js');
    await ctx.deps.db
      .update(connections)
      .set({
        status: 'active',
        statusReason: null,
        accessTokenEnc: encryptSecret('g-access-1', ctx.env.tokenEncryptionKey),
        refreshTokenEnc: encryptSecret('g-refresh-1', ctx.env.tokenEncryptionKey),
        tokenExpiresAt: new Date(Date.now() + 86_400_000),
      })
      .where(eq(connections.id, conn.id));

    const { fetchGarminFit } = await import('../../src/services/garmin/fetch-activity.js');
    const pingOf = (id: number) => activityFilePing(conn.externalAthleteId, { activityId: id }).activityFiles[0]!;
    // a new link: downloaded again, the same row comes back
    interceptDownload(45000000001).reply(200, syntheticFit());
    const p1 = pingOf(45000000001);
    expect(
      await fetchGarminFit(ctx.deps, { connectionId: conn.id, summaryId: p1.summaryId, callbackURL: p1.callbackURL, activityId: '45000000001' }),
    ).toMatchObject({ status: 'accepted', activityId: first.activityId });
    // the link answers 410: restored from the stored file and imported again
    interceptDownload(45000000002).reply(410, { errorMessage: 'gone' });
    const p2 = pingOf(45000000002);
    expect(await fetchGarminFit(ctx.deps, { connectionId: conn.id, summaryId: p2.summaryId, callbackURL: p2.callbackURL, activityId: '45000000002' })).toEqual({
      status: 'restored',
      activityId: second.activityId,
    });
    await ctx.drain();
    expect(unmatched).toEqual([]);
    const rows = await garminActivities(conn.runnerId);
    expect(rows.map((r) => ({ id: r.id, status: r.status, deletedAt: r.deletedAt })).sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [first.activityId, second.activityId].sort().map((id) => ({ id, status: 'ready', deletedAt: null })),
    );
  });
});

describe('lifecycle notifications', () => {
  it('deregistration: tokens wiped, Garmin activities deleted, uploads and pain answers kept; a repeat is harmless', async () => {
    const conn = await buildGarminConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
    const garminRun = await acceptFitFile(ctx.deps, {
      runnerId: conn.runnerId,
      bytes: syntheticFit(),
      source: 'garmin',
      externalId: '40000000001',
      connectionId: conn.id,
    });
    const upload = await acceptFitFile(ctx.deps, {
      runnerId: conn.runnerId,
      bytes: Buffer.from(buildSyntheticRunFit({ seconds: 700, startTime: new Date('2026-05-03T06:00:00Z') })),
    });
    await ctx.drain();
    const now = new Date();
    const [prompt] = await ctx.deps.db
      .insert(painPrompts)
      .values({
        runnerId: conn.runnerId,
        activityId: garminRun.activityId,
        kind: 'after_run',
        status: 'answered',
        dueAt: now,
        expiresAt: new Date(now.getTime() + 86_400_000),
      })
      .returning();
    await ctx.deps.db.insert(painAnswers).values({ promptId: prompt!.id, runnerId: conn.runnerId, activityId: garminRun.activityId, painDuring: 3 });

    const body = { deregistrations: [{ userId: conn.externalAthleteId }] };
    expect((await post('deregistrations', body)).status).toBe(200);
    await ctx.drain();
    expect((await lastEvent()).outcome).toBe('revoked');
    const [after] = await ctx.deps.db.select().from(connections).where(eq(connections.id, conn.id));
    expect(after).toMatchObject({ status: 'revoked', accessTokenEnc: null, refreshTokenEnc: null, tokenExpiresAt: null });
    // soft deleted (recoverable until the retention purge), then purged
    expect((await garminActivities(conn.runnerId)).filter((a) => !a.deletedAt)).toHaveLength(0);
    await purgeDeletedActivities({ db: ctx.deps.db, env: { DELETED_RETENTION_DAYS: 0, WEBHOOK_RETENTION_DAYS: 30 }, now: () => new Date() });
    expect(await garminActivities(conn.runnerId)).toHaveLength(0);
    expect(await ctx.deps.db.select().from(activities).where(eq(activities.id, upload.activityId))).toHaveLength(1);
    const answers = await ctx.deps.db.select().from(painAnswers).where(eq(painAnswers.runnerId, conn.runnerId));
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ painDuring: 3, activityId: null });

    // Garmin repeats it (a different delivery of the same news): processed again, nothing breaks.
    expect((await post('deregistrations', { ...body, resent: true })).status).toBe(200);
    await ctx.drain();
    const repeat = await lastEvent();
    expect(repeat).toMatchObject({ outcome: 'revoked', error: null });
    expect(repeat.processedAt).not.toBeNull();
    // A file ping for the revoked user is ignored.
    await post('activity-files', activityFilePing(conn.externalAthleteId, { activityId: 40000000002 }));
    await ctx.drain();
    expect((await lastEvent()).outcome).toBe('ignored_inactive_connection');
  });

  it('permissions without ACTIVITY_EXPORT → needs_reauth with a reason; granted again → active', async () => {
    const conn = await buildGarminConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
    const change = (permissions: string[], t: number) => ({
      userPermissionsChange: [{ userId: conn.externalAthleteId, summaryId: `p-${t}`, permissions, changeTimeInSeconds: t }],
    });
    await post('permissions', change(['HEALTH_EXPORT'], 1));
    await ctx.drain();
    let [row] = await ctx.deps.db.select().from(connections).where(eq(connections.id, conn.id));
    expect(row).toMatchObject({ status: 'needs_reauth', statusReason: 'activity_export_withdrawn', scopes: ['HEALTH_EXPORT'] });
    expect((await lastEvent()).outcome).toBe('needs_reauth');

    await post('permissions', change(['ACTIVITY_EXPORT', 'HEALTH_EXPORT'], 2));
    await ctx.drain();
    [row] = await ctx.deps.db.select().from(connections).where(eq(connections.id, conn.id));
    expect(row).toMatchObject({ status: 'active', statusReason: null });
  });

  it('a garmin-client-id that is not ours is recorded as ignored and answered 200', async () => {
    const conn = await buildGarminConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
    const res = await post('deregistrations', { deregistrations: [{ userId: conn.externalAthleteId }] }, 'someone-else');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ignored_client_id');
    await ctx.drain();
    const [row] = await ctx.deps.db.select().from(connections).where(eq(connections.id, conn.id));
    expect(row!.status).toBe('active');
    const ignored = (await ctx.deps.db.select().from(webhookEvents)).filter((e) => e.outcome === 'ignored_client_id');
    expect(ignored).toHaveLength(1);
    expect(ignored[0]!.dedupeKey).toMatch(/^garmin:ignored-client:deregistrations:/);
  });

  it('the inbox sweep re-queues a Garmin row whose job was lost', async () => {
    const [row] = await ctx.deps.db
      .insert(webhookEvents)
      .values({
        provider: 'garmin',
        dedupeKey: 'garmin:deregistrations:lost-1',
        payload: { kind: 'deregistrations', body: { deregistrations: [{ userId: 'ghost' }] } },
        receivedAt: new Date(Date.now() - 10 * 60_000),
      })
      .returning();
    expect(await sweepInbox(ctx.deps)).toBeGreaterThanOrEqual(1);
    await ctx.drain();
    const handled = await waitFor(async () => {
      const [r] = await ctx.deps.db.select().from(webhookEvents).where(eq(webhookEvents.id, row!.id));
      return r?.processedAt ? r : undefined;
    });
    expect(handled.outcome).toBe('ignored_unknown_user');
  });
});
