import { and, eq } from 'drizzle-orm';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activities, webhookEvents } from '../../src/db/schema/index.js';
import { buildSyntheticRunFit } from '../../src/fit/synthetic.js';
import { silentLogger } from '../../src/lib/logger.js';
import { RECLAIMERS, registerReclaimer, runRecoverySweep, type SweepContext } from '../../src/services/recovery-sweep.js';
import { activityFilePing, buildGarminConnection, GARMIN_TEST_ENV, interceptDownload } from '../factories/garmin.js';
import { buildStravaConnection, STRAVA_TEST_ENV, stravaActivityJson, stravaEventBody, stravaStreamsJson } from '../factories/strava.js';
import { createTestContext, type TestContext } from '../setup/context.js';
import { fakeStrava, waitUntil } from './fakes.js';

let ctx: TestContext;
let sweep: SweepContext;
beforeAll(async () => {
  ctx = await createTestContext({ ...STRAVA_TEST_ENV, ...GARMIN_TEST_ENV, STALE_AFTER_MS: '1000' });
  sweep = { ...ctx.deps, log: silentLogger };
});
afterAll(async () => {
  nock.cleanAll();
  await ctx?.close();
});

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

describe('recovery sweep reclaimers', () => {
  it('re-queues lost work of every kind once, and the workers finish it', async () => {
    const strava = fakeStrava();
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
    // 1. A Strava run stuck in processing: payload stored, its run.derive lost (failed in an outage).
    const [stuck] = await ctx.deps.db
      .insert(activities)
      .values({
        runnerId: conn.runnerId,
        connectionId: conn.id,
        source: 'strava',
        externalId: '9301',
        status: 'processing',
        raw: { activity: stravaActivityJson(9301), streams: stravaStreamsJson(600), streamsStatus: 'ok' },
        updatedAt: minutesAgo(5),
      })
      .returning();
    // 2. A routed Strava event whose fetch job was lost with Redis.
    await ctx.deps.db.insert(webhookEvents).values({
      provider: 'strava',
      dedupeKey: 'strava:lost-fetch:9302',
      payload: stravaEventBody({ objectId: 9302, ownerId: conn.externalAthleteId }),
      receivedAt: minutesAgo(6),
      processedAt: minutesAgo(5),
      outcome: 'fetch_queued',
    });
    // 3. A routed Garmin ping whose download job was lost.
    const garmin = await buildGarminConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
    const [ping] = await ctx.deps.db
      .insert(webhookEvents)
      .values({
        provider: 'garmin',
        dedupeKey: 'garmin:lost-fetch:601',
        payload: { kind: 'activity-files', body: activityFilePing(garmin.externalAthleteId, { activityId: 601, fileId: '601' }) },
        receivedAt: minutesAgo(6),
        processedAt: minutesAgo(5),
        outcome: 'fetch_queued',
      })
      .returning();
    interceptDownload(601)
      .times(1)
      .reply(200, Buffer.from(buildSyntheticRunFit({ seconds: 900, startTime: new Date('2026-03-16T06:00:00Z') })));

    const first = await runRecoverySweep(sweep);
    expect(first).toMatchObject({ 'strava-activities': 1, 'strava-fetches': 1, 'garmin-fetches': 1 });
    // Their jobs are alive now: a second sweep queues nothing more.
    const second = await runRecoverySweep(sweep);
    expect(second).toMatchObject({ 'strava-activities': 0, 'strava-fetches': 0, 'garmin-fetches': 0 });

    ctx.startWorkers();
    const done = await waitUntil(async () => {
      const rows = await ctx.deps.db
        .select({ externalId: activities.externalId, status: activities.status })
        .from(activities)
        .where(eq(activities.status, 'ready'));
      return ['9301', '9302', '601'].every((id) => rows.some((r) => r.externalId === id));
    }, 60_000);
    expect(done).toBeGreaterThanOrEqual(0);
    expect(strava.detailCalls.get('9302')).toBe(1);
    expect(strava.detailCalls.get('9301')).toBeUndefined(); // derived from the stored payload, no fetch
    const [s] = await ctx.deps.db.select().from(activities).where(eq(activities.id, stuck!.id));
    expect(s!.status).toBe('ready');
    await ctx.drain();
    // Finished work is never queued again.
    expect(await runRecoverySweep(sweep)).toMatchObject({ 'strava-activities': 0, 'strava-fetches': 0, 'garmin-fetches': 0 });
    const garminRows = await ctx.deps.db
      .select()
      .from(activities)
      .where(and(eq(activities.runnerId, garmin.runnerId), eq(activities.source, 'garmin')));
    expect(garminRows).toHaveLength(1);
    expect(ping).toBeTruthy();
  }, 90_000);

  it('takes new steps from the registry and keeps going when one throws', async () => {
    let ran = 0;
    registerReclaimer({
      name: 'test-broken',
      reclaim: async () => {
        throw new Error('broken step');
      },
    });
    registerReclaimer({
      name: 'test-counting',
      reclaim: async () => {
        ran += 1;
        return 2;
      },
    });
    try {
      const result = await runRecoverySweep(sweep);
      expect(result['test-broken']).toBe(-1);
      expect(result['test-counting']).toBe(2);
      expect(ran).toBe(1);
    } finally {
      RECLAIMERS.splice(
        RECLAIMERS.findIndex((r) => r.name === 'test-broken'),
        2,
      );
    }
  });
});
