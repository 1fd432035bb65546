import { eq } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookEvents } from '../../src/db/schema/index.js';
import { createTestContext, type TestContext } from '../setup/context.js';

const GARMIN_ENV = { GARMIN_CLIENT_ID: 'gc', GARMIN_CLIENT_SECRET: 'gs', GARMIN_WEBHOOK_SECRET: 'path-secret-123' };
// The ping shape of docs/platforms.md "Garmin notifications".
const ping = {
  activityFiles: [
    {
      userId: '4aacafe82427c251df9c9592d0c06768',
      summaryId: '10010727180-file',
      activityId: 10010727180,
      fileType: 'FIT',
      callbackURL: 'https://apis.garmin.com/wellness-api/rest/activityFile?id=1&token=t',
      activityType: 'RUNNING',
      startTimeInSeconds: 1777615181,
      manual: false,
    },
  ],
};

let ctx: TestContext;
let bare: TestContext;
beforeAll(async () => {
  [ctx, bare] = await Promise.all([createTestContext(GARMIN_ENV), createTestContext()]);
});
afterAll(async () => {
  await Promise.all([ctx?.close(), bare?.close()]);
});

describe('Garmin routes', () => {
  it('answer 503 not_configured without Garmin credentials', async () => {
    for (const r of [request(bare.app).get('/connect/garmin?runner=x'), request(bare.app).post('/webhooks/garmin/anything/activity-files').send(ping)]) {
      const res = await r;
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('not_configured');
    }
  });

  it('records a notification in the inbox once and answers 200 to redeliveries', async () => {
    const first = await request(ctx.app).post('/webhooks/garmin/path-secret-123/activity-files').set('garmin-client-id', 'gc').send(ping);
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('recorded');
    const again = await request(ctx.app).post('/webhooks/garmin/path-secret-123/activity-files').send(ping);
    expect(again.body.status).toBe('duplicate');
    const rows = await ctx.deps.db.select().from(webhookEvents).where(eq(webhookEvents.provider, 'garmin'));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.payload).toEqual({ kind: 'activity-files', body: ping });
    expect(rows[0]!.processedAt).toBeNull();
  });

  it('hides the endpoint behind the secret and rejects bodies that are not JSON objects', async () => {
    expect((await request(ctx.app).post('/webhooks/garmin/wrong/activity-files').send(ping)).status).toBe(404);
    expect((await request(ctx.app).post('/webhooks/garmin/path-secret-123/summaries').send(ping)).status).toBe(404);
    const bad = await request(ctx.app)
      .post('/webhooks/garmin/path-secret-123/deregistrations')
      .set('Content-Type', 'application/json')
      .send('{"deregistrations": [');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_json');
  });

  it('accepts bodies far above the 100 kB default (Garmin sends up to 10 MB)', async () => {
    const big = { activityFiles: Array.from({ length: 8000 }, (_, i) => ({ ...ping.activityFiles[0], summaryId: `s-${i}` })) };
    const res = await request(ctx.app).post('/webhooks/garmin/path-secret-123/activity-files').send(big);
    expect(JSON.stringify(big).length).toBeGreaterThan(2_000_000);
    expect(res.status).toBe(200);
  });

  it('connect (no longer 501) redirects to Garmin with PKCE from a connect link', async () => {
    const { buildRunner } = await import('../factories/runners.js');
    const runner = await buildRunner(ctx.deps.db);
    const link = await request(ctx.app).post(`/v1/runners/${runner.id}/connect-links`).set(ctx.auth).send({ provider: 'garmin' });
    expect(link.status).toBe(201);
    const url = new URL(link.body.url);
    const res = await request(ctx.app).get(url.pathname + url.search);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.location!);
    expect(`${location.origin}${location.pathname}`).toBe('https://connect.garmin.com/oauth2Confirm');
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
  });

  it('queues the recorded notification for handling', async () => {
    const jobs = await ctx.deps.queues.events.getJobs(['waiting', 'prioritized', 'delayed']);
    const [row] = await ctx.deps.db.select().from(webhookEvents).where(eq(webhookEvents.provider, 'garmin'));
    expect(jobs.map((j) => j.id)).toContain(`garmin.handle-notification-${row!.id}`);
  });
});
