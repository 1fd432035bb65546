import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { eq } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertActivityOnce } from '../../src/db/queries/activities.js';
import { activities, activityMetrics } from '../../src/db/schema/index.js';
import { decodeFit } from '../../src/fit/decode.js';
import { saveDerivedRun } from '../../src/services/activities.js';
import { purgeExpired } from '../../src/services/retention.js';
import { deriveStoredActivity } from '../../src/services/strava/derive.js';
import { FIXTURES_MISSING_MESSAGE, HAS_FIXTURES, readFit, readStravaJson } from '../fixtures.js';
import { shiftFitFile } from '../factories/fit-shift.js';
import { buildRunner } from '../factories/runners.js';
import { stravaFromFitRun } from '../factories/strava-from-fit.js';
import { writeZip } from '../factories/zip-writer.js';
import { createTestContext, type TestContext } from '../setup/context.js';
import { openMagicLink, sessionCookieOf } from '../setup/sign-in.js';

const DAY = 86_400_000;
let ctx: TestContext;
let clock = new Date();
const dir = mkdtempSync(join(tmpdir(), 'stridesync-strava-retention-'));

beforeAll(async () => {
  ctx = await createTestContext({}, { now: () => clock });
  ctx.startWorkers();
});
afterAll(async () => {
  await ctx?.close();
});

async function row(id: string) {
  const [r] = await ctx.deps.db.select().from(activities).where(eq(activities.id, id));
  return r!;
}
async function metricsOf(id: string) {
  return ctx.deps.db.select().from(activityMetrics).where(eq(activityMetrics.activityId, id));
}
function decodeShifted(name: string, start: Date) {
  const bytes = shiftFitFile(readFit(name), start);
  const decoded = decodeFit(Buffer.from(bytes));
  if (!decoded.ok) throw new Error(decoded.message);
  return { bytes, run: decoded.runs[0]! };
}
async function signIn(runnerId: string): Promise<string> {
  const link = await request(ctx.app).post(`/v1/runners/${runnerId}/links`).set(ctx.auth);
  expect(link.status).toBe(201);
  const opened = await openMagicLink(ctx.app, ctx.env.PUBLIC_URL, new URL(link.body.url as string).pathname);
  return sessionCookieOf(opened, ctx.env.PUBLIC_URL);
}
async function week(runnerId: string, w: string) {
  const res = await request(ctx.app).get(`/v1/runners/${runnerId}/weeks`).set(ctx.auth);
  expect(res.status).toBe(200);
  return (
    res.body.weeks as Array<{
      week: string;
      variables: { runs: number };
      details: { lacking?: Array<{ activityId: string; source: string; reason: string }>; sources?: Record<string, number> };
    }>
  ).find((x) => x.week === w)!;
}

describe.skipIf(!HAS_FIXTURES)("Strava's 7-day cache window (STRAVA_RETENTION=cache:7d)", () => {
  if (!HAS_FIXTURES) console.warn(FIXTURES_MISSING_MESSAGE);

  it('purges a Strava run past its window with its payload and streams, leaves Garmin and upload runs alone, and an archive import restores it as an upload', async () => {
    clock = new Date();
    const runner = await buildRunner(ctx.deps.db, { timezone: 'UTC' });
    const longAgo = new Date(clock.getTime() - 400 * DAY);
    // Three runs in ISO week 2026-W06: Monday from Strava, Wednesday from Garmin, Thursday uploaded.
    const strava = decodeShifted('fenix2-run.fit', new Date('2026-02-02T07:00:00Z'));
    const garmin = decodeShifted('fr965-run-stamina.fit', new Date('2026-02-04T07:00:00Z'));
    const upload = decodeShifted('fenix2-run.fit', new Date('2026-02-05T07:00:00Z'));

    const nyc = readStravaJson<{ name: string }>('activity_run_detailed_nyc_marathon_2018.json');
    const payload = stravaFromFitRun(strava.run, { id: 4242, totalElevationGainM: 12 });
    const stravaRow = (
      await insertActivityOnce(ctx.deps.db, {
        runnerId: runner.id,
        source: 'strava',
        externalId: '4242',
        status: 'queued',
        raw: { activity: { ...payload.activity, name: nyc.name }, streams: payload.streams, streamsStatus: 'ok' },
      })
    ).row;
    await deriveStoredActivity(ctx.deps, stravaRow.id);
    const garminRow = (
      await insertActivityOnce(ctx.deps.db, { runnerId: runner.id, source: 'garmin', externalId: 'g-1', status: 'queued', createdAt: longAgo })
    ).row;
    await saveDerivedRun(ctx.deps, garminRow.id, garmin.run);
    const uploadRow = (
      await insertActivityOnce(ctx.deps.db, { runnerId: runner.id, source: 'upload', externalId: 'u-1', status: 'queued', createdAt: longAgo })
    ).row;
    await saveDerivedRun(ctx.deps, uploadRow.id, upload.run);
    await ctx.drain();

    expect(await row(stravaRow.id)).toMatchObject({ countedInLoad: true, expiredAt: null, name: nyc.name });
    expect((await row(stravaRow.id)).raw?.streams).toBeTruthy();
    const before = await week(runner.id, '2026-W06');
    expect(before.variables.runs).toBe(3);
    expect(before.details.lacking).toEqual([]);
    expect(before.details.sources).toEqual({ strava: 1, garmin: 1, upload: 1 });

    // Six days on: still inside the window, nothing is touched.
    clock = new Date(clock.getTime() + 6 * DAY);
    expect((await purgeExpired(ctx.deps)).expired).toBe(0);
    expect((await row(stravaRow.id)).raw).not.toBeNull();

    // Eight days on: the Strava payload, streams, name and numbers go; the row stays, marked expired.
    clock = new Date(clock.getTime() + 2 * DAY);
    const purged = await purgeExpired(ctx.deps);
    expect(purged.expired).toBe(1);
    const expired = await row(stravaRow.id);
    expect(expired).toMatchObject({
      raw: null,
      name: null,
      countedInLoad: false,
      excludedReason: 'expired',
      expiredReason: 'strava_cache_window',
      externalId: '4242',
    });
    expect(expired.expiredAt).not.toBeNull();
    expect(await metricsOf(stravaRow.id)).toHaveLength(0);
    // The Garmin and upload runs, received 400 days ago, keep everything.
    for (const id of [garminRow.id, uploadRow.id]) {
      expect(await row(id)).toMatchObject({ expiredAt: null, countedInLoad: true });
      expect(await metricsOf(id)).toHaveLength(1);
    }
    await ctx.drain();
    const lacking = await week(runner.id, '2026-W06');
    expect(lacking.variables.runs).toBe(2);
    expect(lacking.details.sources).toEqual({ garmin: 1, upload: 1 });
    expect(lacking.details.lacking).toEqual([{ activityId: stravaRow.id, source: 'strava', localDate: '2026-02-02', reason: 'strava_cache_window' }]);
    const painReport = await request(ctx.app).get(`/v1/runners/${runner.id}/reports/pain?from=2026-02-01&to=2026-02-08`).set(ctx.auth);
    expect(painReport.body.lacking).toEqual([{ activityId: stravaRow.id, source: 'strava', localDate: '2026-02-02', reason: 'strava_cache_window' }]);
    const shown = await request(ctx.app).get(`/v1/runners/${runner.id}/activities/${stravaRow.id}`).set(ctx.auth);
    expect(shown.body).toMatchObject({
      source: 'strava',
      metrics: null,
      expired: { reason: 'strava_cache_window', notice: 'expired from Strava — import your archive to keep it' },
    });

    // The pages say where each run came from, and what the expired one needs.
    const cookie = await signIn(runner.id);
    const home = await request(ctx.app).get('/').set('Cookie', cookie);
    expect(home.status).toBe(200);
    expect(home.text).toContain('expired from Strava — import your archive to keep it');
    expect(home.text).toContain('View on Strava');
    expect(home.text).toContain('from Garmin');
    expect(home.text).toContain('uploaded');
    // the diary keeps the run, without numbers, with the notice
    const diary = await request(ctx.app).get('/diary?from=2026-02-01&to=2026-02-08').set('Cookie', cookie);
    expect(diary.status).toBe(200);
    expect(diary.text).toContain('expired from Strava — import your archive to keep it');
    expect(diary.text).toContain(`/diary/${stravaRow.id}`);
    const connect = await request(ctx.app).get('/connect').set('Cookie', cookie);
    expect(connect.text).toContain('id="keep-your-runs"');
    expect(connect.text).toContain('Import your Strava archive');

    // Purging again changes nothing.
    expect((await purgeExpired(ctx.deps)).expired).toBe(0);

    // The runner's own Strava bulk export: activities/<id>.fit.gz through the zip import.
    const zip = await writeZip(join(dir, 'export_4242.zip'), [{ name: 'activities/4242.fit.gz', data: gzipSync(strava.bytes), deflate: false }]);
    const res = await request(ctx.app)
      .post(`/v1/runners/${runner.id}/uploads`)
      .set(ctx.auth)
      .set('Content-Type', 'application/octet-stream')
      .send(readFileSync(zip));
    expect(res.status).toBe(202);
    await ctx.drain();
    const archived = await row(res.body.entries[0].activityId);
    expect(archived).toMatchObject({ source: 'upload', countedInLoad: true, expiredAt: null });
    expect(await row(stravaRow.id)).toMatchObject({ countedInLoad: false, excludedReason: 'duplicate', duplicateOf: archived.id });
    const restored = await week(runner.id, '2026-W06');
    expect(restored.variables.runs).toBe(3);
    expect(restored.details.lacking).toEqual([]);
    expect(restored.details.sources).toEqual({ garmin: 1, upload: 2 });
    const reportAfter = await request(ctx.app).get(`/v1/runners/${runner.id}/reports/pain?from=2026-02-01&to=2026-02-08`).set(ctx.auth);
    expect(reportAfter.body).toMatchObject({ lacking: [], runs: 3 });
    const replaced = await request(ctx.app).get(`/v1/runners/${runner.id}/activities/${stravaRow.id}`).set(ctx.auth);
    expect(replaced.body.expired).toMatchObject({ replacedBy: archived.id, notice: null });
    const after = await request(ctx.app).get('/').set('Cookie', cookie);
    expect(after.text).not.toContain('expired from Strava');

    // The archive copy is kept like an upload: a later purge does not touch it.
    clock = new Date(clock.getTime() + 30 * DAY);
    expect((await purgeExpired(ctx.deps)).expired).toBe(0);
    expect(await metricsOf(archived.id)).toHaveLength(1);
  });

  it('a Strava run fetched again after its window is stored anew, and the next purge removes it again', async () => {
    clock = new Date();
    const runner = await buildRunner(ctx.deps.db, { timezone: 'UTC' });
    const { run } = decodeShifted('fenix2-run.fit', new Date('2026-03-02T07:00:00Z'));
    const payload = stravaFromFitRun(run, { id: 5151, totalElevationGainM: 12 });
    const raw = { activity: payload.activity, streams: payload.streams, streamsStatus: 'ok' as const };
    const id = (await insertActivityOnce(ctx.deps.db, { runnerId: runner.id, source: 'strava', externalId: '5151', status: 'queued', raw })).row.id;
    await deriveStoredActivity(ctx.deps, id);
    clock = new Date(clock.getTime() + 8 * DAY);
    expect((await purgeExpired(ctx.deps)).expired).toBe(1);
    // an update event re-fetches it: the payload is stored and derived again
    await ctx.deps.db.update(activities).set({ raw }).where(eq(activities.id, id));
    await deriveStoredActivity(ctx.deps, id);
    expect(await row(id)).toMatchObject({ expiredAt: null, countedInLoad: true });
    expect((await purgeExpired(ctx.deps)).expired).toBe(1);
    expect(await row(id)).toMatchObject({ raw: null, countedInLoad: false, excludedReason: 'expired' });
    expect(await metricsOf(id)).toHaveLength(0);
    await ctx.drain();
  });

  it('a Strava copy of a Garmin run expires without the week lacking anything; a Garmin window applies only when set', async () => {
    clock = new Date();
    const runner = await buildRunner(ctx.deps.db, { timezone: 'UTC' });
    const { run } = decodeShifted('fr965-run-stamina.fit', new Date('2026-04-07T07:00:00Z'));
    const garmin = (await insertActivityOnce(ctx.deps.db, { runnerId: runner.id, source: 'garmin', externalId: 'g-7', status: 'queued' })).row;
    await saveDerivedRun(ctx.deps, garmin.id, run);
    const payload = stravaFromFitRun(run, { id: 7777, totalElevationGainM: 40 });
    const strava = (
      await insertActivityOnce(ctx.deps.db, {
        runnerId: runner.id,
        source: 'strava',
        externalId: '7777',
        status: 'queued',
        raw: { activity: payload.activity, streams: payload.streams, streamsStatus: 'ok' },
      })
    ).row;
    await deriveStoredActivity(ctx.deps, strava.id);
    expect(await row(strava.id)).toMatchObject({ countedInLoad: false, excludedReason: 'duplicate', duplicateOf: garmin.id });

    clock = new Date(clock.getTime() + 8 * DAY);
    expect((await purgeExpired(ctx.deps)).expired).toBe(1);
    expect(await row(strava.id)).toMatchObject({ raw: null, excludedReason: 'duplicate', duplicateOf: garmin.id, expiredReason: 'strava_cache_window' });
    expect(await row(garmin.id)).toMatchObject({ countedInLoad: true, expiredAt: null });
    await ctx.drain();
    const w = await week(runner.id, '2026-W15');
    expect(w.variables.runs).toBe(1);
    expect(w.details.lacking).toEqual([]);

    // Only when GARMIN_RETENTION is a cache does the Garmin run expire, with its own reason.
    const garminCache = { ...ctx.deps, env: { ...ctx.deps.env, GARMIN_RETENTION: { kind: 'cache' as const, days: 1 } } };
    expect((await purgeExpired(garminCache)).expired).toBeGreaterThanOrEqual(1); // the first test's Garmin run too
    expect(await row(garmin.id)).toMatchObject({ expiredReason: 'garmin_cache_window', excludedReason: 'expired', countedInLoad: false });
    await ctx.drain();
    expect((await week(runner.id, '2026-W15')).details.lacking).toEqual([
      { activityId: garmin.id, source: 'garmin', localDate: '2026-04-07', reason: 'garmin_cache_window' },
    ]);
  });
});
