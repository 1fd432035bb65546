import { and, eq } from 'drizzle-orm';
import nock from 'nock';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { activities, connections, webhookEvents } from '../../src/db/schema/index.js';
import { buildSyntheticRunFit } from '../../src/fit/synthetic.js';
import { createApp } from '../../src/http/app.js';
import { createRegistry } from '../../src/integrations/registry.js';
import { decryptSecret } from '../../src/lib/crypto.js';
import { issueConnectLink } from '../../src/services/connect-links.js';
import { disconnectConnection } from '../../src/services/connections/disconnect.js';
import { handleNotification, receiveNotification, recordNotification } from '../../src/services/inbox/handle-generic.js';
import { sweepInbox } from '../../src/services/inbox/sweep.js';
import { jobIdOf } from '../../src/jobs/queues.js';
import { createFakeProvider, FAKE_ORIGIN } from '../factories/fake-provider.js';
import { buildRunner } from '../factories/runners.js';
import { createTestContext, type TestContext } from '../setup/context.js';

/**
 * A third platform, registered for this file only (deps.providers), goes through the generic kernel
 * end to end: connect link → OAuth callback (PKCE, token endpoint intercepted) → a notification in the
 * inbox → the activity fetched through the session (a 401 refreshes once) → a `ready` run → disconnect.
 * Nothing in src names it.
 */

const fake = createFakeProvider();
let ctx: TestContext;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  ctx = await createTestContext({ PUBLIC_URL: 'https://app.example' });
  ctx.deps.providers = createRegistry([fake]);
  app = createApp(ctx.deps);
});
afterAll(async () => {
  await ctx?.close();
});
afterEach(() => {
  nock.cleanAll();
});

describe('a platform added with one adapter and one registry entry', () => {
  it('connects, receives a notification, fetches the activity and ends with a ready run; then disconnects', async () => {
    const runner = await buildRunner(ctx.deps.db);

    // connect link → GET /connect/fake: cookie + redirect to the platform with a signed state
    const link = new URL(issueConnectLink(ctx.deps, runner.id, 'fake').url);
    const start = await request(app).get(link.pathname + link.search);
    expect(start.status).toBe(302);
    const location = new URL(start.headers.location!);
    expect(location.origin).toBe(FAKE_ORIGIN);
    expect(location.searchParams.get('redirect_uri')).toBe('https://app.example/connect/fake/callback');
    const cookie = ([] as string[])
      .concat(start.headers['set-cookie'] ?? [])
      .map((c) => c.split(';')[0])
      .join('; ');
    expect(cookie).toMatch(/^stridesync_connect_fake=/);

    // the callback: code exchanged with the PKCE verifier kept server-side
    const tokenCall = nock(FAKE_ORIGIN)
      .post(
        '/oauth/token',
        (b) => b.grant_type === 'authorization_code' && b.code === 'the-code' && typeof b.code_verifier === 'string' && b.code_verifier.length >= 43,
      )
      .reply(200, { access_token: 'fake-access-1', refresh_token: 'fake-refresh-1', expires_in: 3600, user_id: 'fake-user-1' });
    const cb = await request(app)
      .get('/connect/fake/callback')
      .set('Cookie', cookie)
      .query({ state: location.searchParams.get('state'), code: 'the-code', scope: 'activities' });
    expect(cb.status).toBe(200);
    expect(cb.text).toContain('Fake connected');
    expect(tokenCall.isDone()).toBe(true);
    const [conn] = await ctx.deps.db
      .select()
      .from(connections)
      .where(and(eq(connections.runnerId, runner.id), eq(connections.provider, 'fake' as 'strava')));
    expect(conn).toMatchObject({ status: 'active', externalAthleteId: 'fake-user-1', scopes: ['activities'] });
    expect(decryptSecret(conn!.accessTokenEnc!, ctx.env.tokenEncryptionKey)).toBe('fake-access-1');

    // a replayed callback is refused (single-use state)
    const replay = await request(app)
      .get('/connect/fake/callback')
      .set('Cookie', cookie)
      .query({ state: location.searchParams.get('state'), code: 'the-code', scope: 'activities' });
    expect(replay.status).toBe(400);

    // notification → fetch: the stored token is refused once, refreshed under the lock, retried
    const fit = Buffer.from(buildSyntheticRunFit({ seconds: 1800, startTime: new Date('2026-03-02T07:00:00Z') }));
    const api = nock(FAKE_ORIGIN)
      .get('/api/activities/act-1/file')
      .matchHeader('authorization', 'Bearer fake-access-1')
      .reply(401)
      .post('/oauth/token', (b) => b.grant_type === 'refresh_token' && b.refresh_token === 'fake-refresh-1')
      .reply(200, { access_token: 'fake-access-2', refresh_token: 'fake-refresh-2', expires_in: 3600 })
      .get('/api/activities/act-1/file')
      .matchHeader('authorization', 'Bearer fake-access-2')
      .reply(200, fit);
    const body = {
      events: [
        { user: 'fake-user-1', activity: 'act-1' },
        { user: 'someone-else', activity: 'act-9' },
      ],
    };
    // the platform's webhook route records it and queues the generic job; the worker handles it,
    // and the FIT pipeline makes it a ready run
    const workers = ctx.startWorkers();
    const { eventId, created } = await receiveNotification(ctx.deps, fake, Buffer.from(JSON.stringify(body)), body);
    expect(created).toBe(true);
    await ctx.drain();
    expect(api.isDone()).toBe(true);
    const [inbox] = await ctx.deps.db.select().from(webhookEvents).where(eq(webhookEvents.id, eventId));
    expect(inbox).toMatchObject({ provider: 'fake', outcome: 'fetched,ignored_unknown_user' });
    expect(inbox!.processedAt).not.toBeNull();
    // a redelivery records nothing new and handles nothing twice
    const again = await receiveNotification(ctx.deps, fake, Buffer.from(JSON.stringify(body)), body);
    expect(again).toEqual({ eventId, created: false });
    await ctx.drain();
    await workers.close();
    expect(await handleNotification(ctx.deps, fake, eventId)).toEqual({ outcome: 'already_processed' });
    const [run] = await ctx.deps.db
      .select()
      .from(activities)
      .where(and(eq(activities.runnerId, runner.id), eq(activities.externalId, 'act-1')));
    expect(run).toMatchObject({ status: 'ready', source: 'fake', connectionId: conn!.id, isRun: true });

    // disconnect: the platform is told through the session, the run goes
    const revoke = nock(FAKE_ORIGIN).delete('/api/registration').matchHeader('authorization', 'Bearer fake-access-2').reply(204);
    const result = await disconnectConnection(ctx.deps, runner.id, 'fake');
    expect(result).toMatchObject({ provider: 'fake', upstreamRevoked: true, deletedActivities: 1 });
    expect(revoke.isDone()).toBe(true);
  });

  it('a notification whose job was lost is queued again by the inbox sweep, as the generic job', async () => {
    const body = { events: [{ user: 'nobody', activity: 'act-77' }] };
    const { eventId } = await recordNotification(ctx.deps, fake, Buffer.from(JSON.stringify(body)), body);
    const later = { ...ctx.deps, now: () => new Date(Date.now() + 60 * 60_000) };
    expect(await sweepInbox(later)).toBe(1);
    const job = await ctx.deps.queues.events.getJob(jobIdOf('inbox.handle-notification', { provider: 'fake', eventId })!);
    expect(job?.data).toEqual({ provider: 'fake', eventId });
    expect(await sweepInbox(later)).toBe(0);
    const workers = ctx.startWorkers();
    await ctx.drain();
    await workers.close();
    const [inbox] = await ctx.deps.db.select().from(webhookEvents).where(eq(webhookEvents.id, eventId));
    expect(inbox).toMatchObject({ outcome: 'ignored_unknown_user' });
  });

  it('is unknown to the built-in registry: its connect route does not exist there', async () => {
    const res = await request(ctx.app).get('/connect/fake').query({ link: 'x' });
    expect(res.status).toBe(404);
  });
});
