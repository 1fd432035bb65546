import { eq } from 'drizzle-orm';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activities } from '../../src/db/schema/index.js';
import { fetchStravaActivity } from '../../src/services/strava/fetch-activity.js';
import { revokeConnection } from '../../src/services/connections/revoke.js';
import {
  buildStravaConnection,
  interceptStreams,
  RATE_HEADERS,
  stravaActivityJson,
  stravaApi,
  STRAVA_TEST_ENV,
  stravaStreamsJson,
} from '../factories/strava.js';
import { createTestContext, type TestContext } from '../setup/context.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext(STRAVA_TEST_ENV);
});
afterAll(async () => {
  nock.cleanAll();
  await ctx?.close();
});

describe('Strava fetch racing a revoke or a delete', () => {
  it('stores nothing when the athlete withdraws access while the activity is being fetched', async () => {
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
    const api = stravaApi();
    // The detail call is slow; the deauthorisation lands in the meantime.
    api.get('/api/v3/activities/7000001').delay(400).reply(200, stravaActivityJson(7000001), RATE_HEADERS);
    interceptStreams(api, 7000001).reply(200, stravaStreamsJson(), RATE_HEADERS);
    const fetching = fetchStravaActivity(ctx.deps, { connectionId: conn.id, stravaActivityId: '7000001', reason: 'webhook', streamAttempt: 0 });
    await new Promise((r) => setTimeout(r, 100));
    await revokeConnection(ctx.deps, conn.id, 'test');
    const outcome = await fetching;
    expect(outcome).toEqual({ status: 'skipped', reason: 'revoked_or_deleted_during_fetch' });
    const rows = await ctx.deps.db.select().from(activities).where(eq(activities.runnerId, conn.runnerId));
    expect(rows).toHaveLength(0);
  });

  it('does not bring back an activity deleted while its update was being fetched', async () => {
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
    const api = stravaApi();
    api.get('/api/v3/activities/7000002').reply(200, stravaActivityJson(7000002), RATE_HEADERS);
    interceptStreams(api, 7000002).reply(200, stravaStreamsJson(), RATE_HEADERS);
    await fetchStravaActivity(ctx.deps, { connectionId: conn.id, stravaActivityId: '7000002', reason: 'webhook', streamAttempt: 0 });
    const [stored] = await ctx.deps.db.select().from(activities).where(eq(activities.runnerId, conn.runnerId));
    expect(stored).toBeTruthy();

    api
      .get('/api/v3/activities/7000002')
      .delay(400)
      .reply(200, stravaActivityJson(7000002, { name: 'Renamed' }), RATE_HEADERS);
    const updating = fetchStravaActivity(ctx.deps, { connectionId: conn.id, stravaActivityId: '7000002', reason: 'update', streamAttempt: 0 });
    await new Promise((r) => setTimeout(r, 100));
    await ctx.deps.db.delete(activities).where(eq(activities.id, stored!.id));
    expect(await updating).toEqual({ status: 'skipped', reason: 'revoked_or_deleted_during_fetch' });
    expect(await ctx.deps.db.select().from(activities).where(eq(activities.runnerId, conn.runnerId))).toHaveLength(0);
  });
});
