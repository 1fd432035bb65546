import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import nock from 'nock';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { insertActivityOnce } from '../../src/db/queries/activities.js';
import { storeFile } from '../../src/db/queries/files.js';
import { activities, files } from '../../src/db/schema/index.js';
import { sha256Hex } from '../../src/lib/crypto.js';
import { revokeConnection } from '../../src/services/connections/revoke.js';
import { handleGarminNotification } from '../../src/services/garmin/handle-event.js';
import { recordGarminNotification } from '../../src/services/garmin/receive.js';
import { ORPHAN_FILE_GRACE_MS, purgeExpired } from '../../src/services/retention.js';
import { buildGarminConnection, GARMIN_API_ORIGIN, GARMIN_TEST_ENV } from '../factories/garmin.js';
import { buildRunner } from '../factories/runners.js';
import { buildStravaConnection, STRAVA_TEST_ENV } from '../factories/strava.js';
import { createTestContext, type TestContext } from '../setup/context.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ ...STRAVA_TEST_ENV, ...GARMIN_TEST_ENV });
});
afterEach(() => nock.cleanAll());
afterAll(async () => {
  await ctx?.close();
});

const DAY = 86_400_000;

/** A stored file and the activity that needs it, as the upload path writes them (one transaction). */
async function fileWithActivity(runnerId: string, o: { source?: 'upload' | 'garmin'; connectionId?: string } = {}) {
  const bytes = randomBytes(64);
  const sha = sha256Hex(bytes);
  return ctx.deps.db.transaction(async (tx) => {
    const fileId = await storeFile(tx, { runnerId, sha256: sha, bytes, origin: 'test.fit' });
    const { row } = await insertActivityOnce(tx, {
      runnerId,
      source: o.source ?? 'upload',
      externalId: o.source === 'garmin' ? String(Date.now()) + randomBytes(2).toString('hex') : sha,
      fileId,
      connectionId: o.connectionId ?? null,
      status: 'ready',
    });
    return { fileId, activityId: row.id };
  });
}

async function fileCount(runnerId: string): Promise<number> {
  return (await ctx.deps.db.select({ id: files.id }).from(files).where(eq(files.runnerId, runnerId))).length;
}

/** The retention purge as the `retention.purge` job runs it, at `now` (default: past every grace period). */
const purge = (now = new Date(Date.now() + 2 * DAY)) =>
  purgeExpired({ ...ctx.deps, env: { ...ctx.deps.env, DELETED_RETENTION_DAYS: 1, WEBHOOK_RETENTION_DAYS: 30 }, now: () => now });

describe('raw files go when no activity needs them', () => {
  it('disconnect: the Garmin file stays while its activity is recoverable, and goes with its purge; the upload file stays', async () => {
    const conn = await buildGarminConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
    const garmin = await fileWithActivity(conn.runnerId, { source: 'garmin', connectionId: conn.id });
    const upload = await fileWithActivity(conn.runnerId);
    nock(GARMIN_API_ORIGIN).delete('/wellness-api/rest/user/registration').reply(204);
    expect((await request(ctx.app).delete(`/v1/runners/${conn.runnerId}/connections/garmin`).set(ctx.auth)).status).toBe(200);
    expect(await fileCount(conn.runnerId)).toBe(2);
    // inside the grace period: still recoverable from the stored file
    await purge(new Date());
    expect(await fileCount(conn.runnerId)).toBe(2);
    const purged = await purge();
    expect(purged.files).toBeGreaterThanOrEqual(1);
    const left = await ctx.deps.db.select({ id: files.id }).from(files).where(eq(files.runnerId, conn.runnerId));
    expect(left.map((f) => f.id)).toEqual([upload.fileId]);
    expect(left.map((f) => f.id)).not.toContain(garmin.fileId);
  });

  it('Garmin deregistration: files of the deregistered account go with the purge of its activities', async () => {
    const conn = await buildGarminConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
    await fileWithActivity(conn.runnerId, { source: 'garmin', connectionId: conn.id });
    await fileWithActivity(conn.runnerId, { source: 'garmin', connectionId: conn.id });
    const body = { deregistrations: [{ userId: conn.externalAthleteId }] };
    const raw = Buffer.from(JSON.stringify(body));
    await recordGarminNotification(ctx.deps, 'deregistrations', raw, body, { expectedClientId: 'garmin-client' });
    const [event] = await ctx.deps.db.execute<{ id: string }>(sql`select id from webhook_events order by received_at desc limit 1`).then((r) => r.rows);
    expect((await handleGarminNotification(ctx.deps, event!.id)).outcome).toBe('revoked');
    expect(await fileCount(conn.runnerId)).toBe(2);
    await purge();
    expect(await fileCount(conn.runnerId)).toBe(0);
  });

  it('Strava deauthorization: the purge of Strava activities leaves the upload files that live activities need', async () => {
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
    await insertActivityOnce(ctx.deps.db, { runnerId: conn.runnerId, connectionId: conn.id, source: 'strava', externalId: '9100001', status: 'ready' });
    await fileWithActivity(conn.runnerId);
    await revokeConnection(ctx.deps, conn.id, 'strava_deauthorized');
    const purged = await purge();
    expect(purged.activities).toBeGreaterThanOrEqual(1);
    expect(await fileCount(conn.runnerId)).toBe(1);
  });

  it('a file two activities share (a multi-session file) goes only when the last of them is purged', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const first = await fileWithActivity(runner.id);
    const second = (await insertActivityOnce(ctx.deps.db, { runnerId: runner.id, source: 'upload', externalId: 'x', sessionIndex: 1, fileId: first.fileId }))
      .row;
    const old = new Date(Date.now() - 3 * DAY);
    await ctx.deps.db.update(activities).set({ deletedAt: old, deletedReason: 'test' }).where(eq(activities.id, first.activityId));
    await purge();
    expect(await fileCount(runner.id)).toBe(1);
    await ctx.deps.db.update(activities).set({ deletedAt: old, deletedReason: 'test' }).where(eq(activities.id, second.id));
    await purge();
    expect(await fileCount(runner.id)).toBe(0);
  });

  it('the orphan sweep removes files no activity references once past the grace period, never a fresh one', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const bytes = randomBytes(32);
    // a file whose activity row was removed without the purge (or never written)
    await storeFile(ctx.deps.db, { runnerId: runner.id, sha256: sha256Hex(bytes), bytes, origin: null });
    const live = await fileWithActivity(runner.id);
    expect((await purge(new Date(Date.now() + ORPHAN_FILE_GRACE_MS / 2))).orphanFiles).toBe(0);
    expect(await fileCount(runner.id)).toBe(2);
    expect((await purge(new Date(Date.now() + ORPHAN_FILE_GRACE_MS + 60_000))).orphanFiles).toBeGreaterThanOrEqual(1);
    const left = await ctx.deps.db.select({ id: files.id }).from(files).where(eq(files.runnerId, runner.id));
    expect(left.map((f) => f.id)).toEqual([live.fileId]);
  });

  it('the orphan sweep skips a file an upload in flight holds (the same bytes stored again, activity not yet committed)', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const bytes = randomBytes(32);
    const sha = sha256Hex(bytes);
    await storeFile(ctx.deps.db, { runnerId: runner.id, sha256: sha, bytes, origin: null });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let stored!: () => void;
    const isStored = new Promise<void>((r) => (stored = r));
    const upload = ctx.deps.db.transaction(async (tx) => {
      const fileId = await storeFile(tx, { runnerId: runner.id, sha256: sha, bytes, origin: null });
      stored();
      await held;
      await insertActivityOnce(tx, { runnerId: runner.id, source: 'upload', externalId: sha, fileId, status: 'queued' });
    });
    await isStored;
    await purge(new Date(Date.now() + ORPHAN_FILE_GRACE_MS + 60_000));
    release();
    await upload;
    const [row] = await ctx.deps.db.select({ fileId: activities.fileId }).from(activities).where(eq(activities.runnerId, runner.id));
    expect(row!.fileId).not.toBeNull();
    expect(await fileCount(runner.id)).toBe(1);
  });
});
