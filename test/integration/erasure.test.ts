import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RUNNER_OWNED_TABLES } from '../../src/db/queries/erasure.js';
import { insertActivityOnce } from '../../src/db/queries/activities.js';
import { Router } from 'express';
import { createApp } from '../../src/http/app.js';
import { createRegistry } from '../../src/integrations/registry.js';
import { isReferencedRowGone } from '../../src/lib/outage.js';
import { createFakeProvider } from '../factories/fake-provider.js';
import { runnersDeleteCommand } from '../../src/cli/erase.js';
import { eraseRunner } from '../../src/services/erasure.js';
import { processors } from '../../workers/processors/index.js';
import { buildGarminConnection, GARMIN_API_ORIGIN, GARMIN_TEST_ENV } from '../factories/garmin.js';
import { buildRunner } from '../factories/runners.js';
import { buildStravaConnection, STRAVA_TEST_ENV, STRAVA_TEST_ORIGIN, waitFor } from '../factories/strava.js';
import { createTestContext, type TestContext } from '../setup/context.js';
import { openMagicLink, sessionCookieOf } from '../setup/sign-in.js';

let ctx: TestContext;
let exportDir: string;
beforeAll(async () => {
  exportDir = await mkdtemp(join(tmpdir(), 'stridesync-erasure-exports-'));
  ctx = await createTestContext({ ...STRAVA_TEST_ENV, ...GARMIN_TEST_ENV, EXPORT_DIR: exportDir });
});
afterEach(() => nock.cleanAll());
afterAll(async () => {
  await ctx?.close();
  await rm(exportDir, { recursive: true, force: true });
});

/**
 * Tables that hold no runner's rows of their own. Every other table of the public schema must be in
 * RUNNER_OWNED_TABLES (erased) — a table added later fails this test until it is classified.
 */
const NOT_RUNNER_OWNED: Record<string, string> = {
  erasures: 'the audit row that remains',
  upstream_revokes: 'grants still to revoke upstream, deleted once the platform confirms',
};

const q = <T extends Record<string, unknown> = Record<string, unknown>>(text: string, values: unknown[] = []) =>
  ctx.deps.database.pool.query<T>(text, values).then((r) => r.rows);

async function publicTables(): Promise<string[]> {
  const rows = await q<{ table_name: string }>(
    `select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
  );
  return rows.map((r) => r.table_name);
}

/** Rows of each table whose text (every column) names one of `ids`. */
async function mentions(ids: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of await publicTables()) {
    const [row] = await q<{ n: number }>(`select count(*)::int as n from "${t}" t where t::text like any($1)`, [ids.map((id) => `%${id}%`)]);
    out[t] = row!.n;
  }
  return out;
}

/** A runner with a row in every table a runner can own (both platforms connected), and queued jobs naming them. */
async function fillRunner(tag: string) {
  const runner = await buildRunner(ctx.deps.db, { name: `Runner ${tag}` });
  const athleteId = String(900_000_000 + Math.floor(Math.random() * 99_999_999));
  const garminUser = `garmin-${tag}-${randomBytes(4).toString('hex')}`;
  const strava = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, { runnerId: runner.id, athleteId, refreshToken: `refresh-${tag}` });
  const garmin = await buildGarminConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, {
    runnerId: runner.id,
    userId: garminUser,
    accessToken: `g-access-${tag}`,
  });
  const [file] = await q<{ id: string }>(`insert into files (runner_id, sha256, size_bytes, bytes) values ($1, $2, 3, '\\x010203') returning id`, [
    runner.id,
    randomBytes(32).toString('hex'),
  ]);
  const upload = (await insertActivityOnce(ctx.deps.db, { runnerId: runner.id, source: 'upload', externalId: `sha-${tag}`, fileId: file!.id, status: 'ready' }))
    .row;
  const run = (
    await insertActivityOnce(ctx.deps.db, {
      runnerId: runner.id,
      connectionId: strava.id,
      source: 'strava',
      externalId: String(Date.now()) + randomBytes(2).readUInt16BE(),
      status: 'ready',
    })
  ).row;
  await q(
    `insert into activity_metrics (activity_id, distance_m, elapsed_time_s, moving_time_s, cadence_source, cadence_quality, elevation_source, splits, pace)
     values ($1, 5000, 1800, 1750, 'device', 'good', 'device', '[]', '{}')`,
    [run.id],
  );
  const [prompt] = await q<{ id: string }>(
    `insert into pain_prompts (runner_id, activity_id, kind, due_at, expires_at, status) values ($1, $2, 'after_run', now(), now() + interval '1 day', 'answered') returning id`,
    [runner.id, run.id],
  );
  const [later] = await q<{ id: string }>(
    `insert into pain_prompts (runner_id, kind, local_date, due_at, expires_at) values ($1, 'next_morning', '2026-05-02', now() + interval '1 hour', now() + interval '1 day') returning id`,
    [runner.id],
  );
  await q(`insert into pain_answers (prompt_id, runner_id, activity_id, kind, pain_during) values ($1, $2, $3, 'after_run', 3)`, [
    prompt!.id,
    runner.id,
    run.id,
  ]);
  await q(`insert into run_pain (activity_id, runner_id, local_date, during_run, light) values ($1, $2, '2026-05-01', 3, 'amber')`, [run.id, runner.id]);
  await q(`insert into pain_mornings (runner_id, local_date, pain, source) values ($1, '2026-05-02', 2, 'diary')`, [runner.id]);
  const [notification] = await q<{ id: string }>(
    `insert into notifications (runner_id, kind, subject_id, payload) values ($1, 'pain_prompt', $2, '{}') returning id`,
    [runner.id, prompt!.id],
  );
  await q(`insert into prompt_deliveries (prompt_id, channel, event, notification_id) values ($1, 'webhook', 'due', $2)`, [prompt!.id, notification!.id]);
  await q(`insert into weeks (runner_id, week, start_date, end_date, variables, change_pct) values ($1, '2026-W18', '2026-04-27', '2026-05-03', '{}', '{}')`, [
    runner.id,
  ]);
  await q(`insert into warnings (runner_id, week, code, message, evidence) values ($1, '2026-W18', 'LOAD_JUMP', 'm', '{}')`, [runner.id]);
  await q(`insert into cadence_goals (runner_id, start_date, target_spm) values ($1, '2026-05-01', 170)`, [runner.id]);
  await q(`insert into runner_links (runner_id, token_hash, expires_at) values ($1, $2, now() + interval '15 minutes')`, [
    runner.id,
    randomBytes(16).toString('hex'),
  ]);
  await q(`insert into runner_sessions (runner_id, session_hash, csrf_token, expires_at) values ($1, $2, 'csrf', now() + interval '1 day')`, [
    runner.id,
    randomBytes(16).toString('hex'),
  ]);
  await q(
    `insert into runner_shares (runner_id, token_hash, recipient, sections, consented_at, expires_at) values ($1, $2, 'Physio', '{diary}', now(), now() + interval '30 days')`,
    [runner.id, randomBytes(16).toString('hex')],
  );
  await q(`insert into push_subscriptions (runner_id, endpoint, p256dh, auth) values ($1, $2, 'key', 'auth')`, [
    runner.id,
    `https://push.example/${randomBytes(8).toString('hex')}`,
  ]);
  // an API key bound to the runner (a runner's own script)
  await q(`insert into api_keys (name, scope, runner_id, secret_hash) values ($1, 'runner', $2, $3)`, [
    `script-${tag}-${randomBytes(4).toString('hex')}`,
    runner.id,
    randomBytes(32).toString('hex'),
  ]);
  // a data export, its zip still on disk
  const exportPath = join(exportDir, `${tag}-${randomBytes(4).toString('hex')}.zip`);
  await writeFile(exportPath, 'PK zip bytes');
  await q(`insert into exports (runner_id, request_id, status, storage_location, token_hash) values ($1, $2, 'ready', $3, $4)`, [
    runner.id,
    `req-${tag}`,
    exportPath,
    randomBytes(32).toString('hex'),
  ]);
  // webhook inbox rows of the runner's platform accounts
  await q(`insert into webhook_events (provider, dedupe_key, payload) values ('strava', $1, $2)`, [
    `strava:create:${athleteId}:${run.externalId}`,
    JSON.stringify({ object_type: 'activity', aspect_type: 'create', object_id: run.externalId, owner_id: athleteId, subscription_id: '1' }),
  ]);
  await q(`insert into webhook_events (provider, dedupe_key, payload) values ('garmin', $1, $2)`, [
    `garmin:activity-files:${randomBytes(8).toString('hex')}`,
    JSON.stringify({
      kind: 'activity-files',
      body: { activityFiles: [{ userId: garminUser, summaryId: 's-1', callbackURL: 'https://apis.garmin.test/f?id=1' }] },
    }),
  ]);

  // queued work naming the runner: an import, a planned prompt send, a debounced week recompute, a push
  await ctx.deps.enqueue('run.import-fit', { activityId: upload.id });
  await ctx.deps.enqueue('prompt.send', { promptId: later!.id, event: 'due', attempt: 1 }, { delayMs: 3_600_000 });
  await ctx.deps.enqueue('week.recompute', { runnerId: runner.id, week: '2026-W18' });
  await ctx.deps.enqueue('notify.deliver', { notificationId: notification!.id });

  const ids = [runner.id, upload.id, run.id, prompt!.id, later!.id, notification!.id, file!.id, strava.id, garmin.id, athleteId, garminUser];
  return { runner, strava, garmin, athleteId, garminUser, ids, exportPath };
}

/** BullMQ keys of this file's prefix (and job payloads) that name one of `ids`. */
async function redisMentions(ids: string[]): Promise<string[]> {
  const found: string[] = [];
  const keys = await ctx.deps.redis.keys(`${ctx.prefix}:*`);
  for (const key of keys) {
    if (ids.some((id) => key.includes(id))) {
      found.push(key);
      continue;
    }
    if ((await ctx.deps.redis.type(key)) === 'hash') {
      const data = await ctx.deps.redis.hget(key, 'data');
      if (data && ids.some((id) => data.includes(id))) found.push(`${key} (data)`);
    }
  }
  return found.sort();
}

describe('DELETE /v1/runners/:runnerId (erasure)', () => {
  it('removes every row of the runner in every table, and their queued jobs; another runner stays untouched; only the audit row remains', async () => {
    const a = await fillRunner('a');
    const b = await fillRunner('b');
    // a Garmin notification carrying both runners' entries: only A's entry goes
    await q(`insert into webhook_events (provider, dedupe_key, payload) values ('garmin', $1, $2)`, [
      `garmin:deregistrations:${randomBytes(8).toString('hex')}`,
      JSON.stringify({ kind: 'deregistrations', body: { deregistrations: [{ userId: a.garminUser }, { userId: b.garminUser }] } }),
    ]);

    // every table is classified: erased with the runner, or not a runner's
    const tables = await publicTables();
    const owned = RUNNER_OWNED_TABLES.map((t) => t.table);
    for (const t of tables) expect(owned.includes(t) || t in NOT_RUNNER_OWNED, `table ${t} is neither erased nor classified as not a runner's`).toBe(true);

    const beforeA = await mentions(a.ids);
    const beforeB = await mentions(b.ids);
    // the fixture really fills every table a runner owns, for both runners
    for (const t of owned) {
      expect(beforeA[t], `runner A has no row in ${t}`).toBeGreaterThan(0);
      expect(beforeB[t], `runner B has no row in ${t}`).toBeGreaterThan(0);
    }
    expect(await redisMentions([a.runner.id])).not.toHaveLength(0);
    const redisB = await redisMentions(b.ids);
    expect(redisB.length).toBeGreaterThan(0);

    const res = await request(ctx.app).delete(`/v1/runners/${a.runner.id}`).set(ctx.auth);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ runnerId: a.runner.id, upstreamRevokes: 2 });
    expect(res.body.jobs.removed).toBeGreaterThanOrEqual(4);
    // A's export zip is gone from the disk; B's stays
    expect(existsSync(a.exportPath)).toBe(false);
    expect(existsSync(b.exportPath)).toBe(true);
    for (const t of owned) expect(res.body.deleted[t], `count of ${t}`).toBeGreaterThan(0);
    expect(res.body.deleted).toMatchObject({
      runners: 1,
      activities: 2,
      files: 1,
      pain_prompts: 2,
      connections: 2,
      webhook_events: 2,
      webhook_events_redacted: 1,
    });

    // the revoke jobs need no runner: Strava and Garmin are told, then the kept tokens go
    const stravaRevoke = nock(STRAVA_TEST_ORIGIN)
      .post('/oauth/revoke', (body) => (body as { token?: string }).token === 'refresh-a')
      .reply(200, {});
    const garminRevoke = nock(GARMIN_API_ORIGIN, { reqheaders: { authorization: 'Bearer g-access-a' } })
      .delete('/wellness-api/rest/user/registration')
      .reply(204);
    const workers = ctx.startWorkers({ queues: ['events'] });
    await waitFor(async () => (await q(`select 1 from upstream_revokes`)).length === 0, 15_000, 'upstream revokes done');
    await workers.close();
    expect(stravaRevoke.isDone() && garminRevoke.isDone()).toBe(true);

    const afterA = await mentions(a.ids);
    const afterB = await mentions(b.ids);
    const report = tables.map((t) => ({ table: t, runnerA: `${beforeA[t]} → ${afterA[t]}`, runnerB: `${beforeB[t]} → ${afterB[t]}` }));
    console.table(report);
    for (const t of tables) {
      // nothing names runner A any more, except the one audit row
      expect(afterA[t], `rows naming the erased runner left in ${t}`).toBe(t === 'erasures' ? 1 : 0);
      // runner B: untouched (the shared Garmin notification kept B's entry)
      expect(afterB[t], `rows of the other runner in ${t}`).toBe(beforeB[t]);
    }
    const [shared] = await q<{ payload: { body: { deregistrations: Array<{ userId: string }> } } }>(
      `select payload from webhook_events where dedupe_key like 'garmin:deregistrations:%'`,
    );
    expect(shared!.payload.body.deregistrations).toEqual([{ userId: b.garminUser }]);

    const [audit] = await q(`select runner_id, requested_by, counts from erasures where runner_id = $1`, [a.runner.id]);
    expect(audit).toMatchObject({ runner_id: a.runner.id, requested_by: 'api:env:1', counts: res.body.deleted });

    // no job, debounce key or payload in Redis names runner A or its rows; B's jobs are all there
    expect(await redisMentions(a.ids)).toEqual([]);
    expect(await redisMentions(b.ids)).toEqual(redisB);

    // erased: 404, again and again; the audit row stays
    expect((await request(ctx.app).get(`/v1/runners/${a.runner.id}`).set(ctx.auth)).status).toBe(404);
    expect((await request(ctx.app).delete(`/v1/runners/${a.runner.id}`).set(ctx.auth)).status).toBe(404);
    expect(await q(`select 1 from erasures where runner_id = $1`, [a.runner.id])).toHaveLength(1);
    expect((await request(ctx.app).get(`/v1/runners/${b.runner.id}`).set(ctx.auth)).status).toBe(200);
  });

  it('answers 404 for an unknown runner and a malformed id, and 401 without the API key', async () => {
    expect((await request(ctx.app).delete(`/v1/runners/${randomUUID()}`).set(ctx.auth)).status).toBe(404);
    expect((await request(ctx.app).delete(`/v1/runners/not-a-uuid`).set(ctx.auth)).status).toBe(404);
    const runner = await buildRunner(ctx.deps.db);
    expect((await request(ctx.app).delete(`/v1/runners/${runner.id}`)).status).toBe(401);
    expect((await request(ctx.app).get(`/v1/runners/${runner.id}`).set(ctx.auth)).status).toBe(200);
  });

  it('an ingest holding the runner row finishes first and its row is erased with the rest; one after the erasure is refused, never a crash', async () => {
    const runner = await buildRunner(ctx.deps.db);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const isInserted = new Promise<void>((r) => (inserted = r));
    // an ingest in flight: its activity insert holds a key-share lock on the runner row until it commits
    const ingest = ctx.deps.db.transaction(async (tx) => {
      await insertActivityOnce(tx, { runnerId: runner.id, source: 'upload', externalId: 'in-flight', status: 'queued' });
      inserted();
      await held;
    });
    await isInserted;
    const erasure = eraseRunner(ctx.deps, runner.id, 'operator:cli');
    await new Promise((r) => setTimeout(r, 200));
    release();
    await ingest;
    const result = await erasure;
    expect(result.deleted.activities).toBe(1);
    expect(await q(`select 1 from activities where runner_id = $1`, [runner.id])).toHaveLength(0);

    // a late insert for the erased runner fails on the missing runner: recognised, answered as a 404 / a job no-op
    const late = await insertActivityOnce(ctx.deps.db, { runnerId: runner.id, source: 'upload', externalId: 'late', status: 'queued' }).catch(
      (e: unknown) => e,
    );
    expect(isReferencedRowGone(late)).toBe(true);
    // a request whose insert meets the erased runner (it passed its look-up just before the erasure): a 404, not a 500
    const racing = createApp(ctx.deps, {
      v1Routes: [
        () =>
          Router().post('/v1/test-late-insert', async (_req, res) => {
            await insertActivityOnce(ctx.deps.db, { runnerId: runner.id, source: 'upload', externalId: 'late-http', status: 'queued' });
            res.status(201).end();
          }),
      ],
    });
    const raced = await request(racing).post('/v1/test-late-insert').set(ctx.auth);
    expect(raced.status).toBe(404);
    expect(raced.body.error.code).toBe('not_found');
    const upload = await request(ctx.app).post(`/v1/runners/${runner.id}/uploads`).set(ctx.auth).type('application/octet-stream').send(Buffer.from('x'));
    expect(upload.status).toBe(404);
  });
});

describe('erasure for operators and jobs', () => {
  it('stridesync runners delete ID needs --yes, then erases and prints the counts; an erased runner is an error', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), isTty: false };
    expect(await runnersDeleteCommand.run(ctx.deps, [runner.id], io)).toBe(2);
    expect(err.join('\n')).toContain('--yes');
    expect(await q(`select 1 from runners where id = $1`, [runner.id])).toHaveLength(1);
    expect(await runnersDeleteCommand.run(ctx.deps, [runner.id, '--yes', '--json'], io)).toBe(0);
    expect(JSON.parse(out.at(-1)!)).toMatchObject({ runnerId: runner.id, deleted: { runners: 1 } });
    expect(await q(`select requested_by from erasures where runner_id = $1`, [runner.id])).toEqual([{ requested_by: 'operator:cli' }]);
    await expect(runnersDeleteCommand.run(ctx.deps, [runner.id, '--yes'], io)).rejects.toMatchObject({ status: 404 });
  });

  it("a platform of the generic path: inbox rows naming only the runner's account go, rows naming other accounts stay", async () => {
    const fake = createFakeProvider({ id: 'fakeerase' });
    const runner = await buildRunner(ctx.deps.db);
    await q(`insert into connections (runner_id, provider, external_athlete_id, status) values ($1, 'fakeerase', 'fake-user-a', 'revoked')`, [runner.id]);
    const inbox = async (events: unknown[]) =>
      (
        await q<{ id: string }>(`insert into webhook_events (provider, dedupe_key, payload) values ('fakeerase', $1, $2) returning id`, [
          `fakeerase:${randomBytes(8).toString('hex')}`,
          JSON.stringify({ events }),
        ])
      )[0]!.id;
    const own = await inbox([
      { user: 'fake-user-a', activity: '1' },
      { user: 'fake-user-a', deauthorized: true },
    ]);
    const shared = await inbox([
      { user: 'fake-user-a', activity: '2' },
      { user: 'fake-user-b', activity: '3' },
    ]);
    const other = await inbox([{ user: 'fake-user-b', activity: '4' }]);
    const result = await eraseRunner({ ...ctx.deps, providers: createRegistry([fake]) }, runner.id, 'operator:cli');
    expect(result.deleted.webhook_events).toBe(1);
    const left = (await q<{ id: string }>(`select id from webhook_events where provider = 'fakeerase'`)).map((r) => r.id);
    expect(left).not.toContain(own);
    expect(left.sort()).toEqual([shared, other].sort());
  });

  it('a job whose insert meets an erased runner completes as a no-op instead of failing or retrying', async () => {
    const runner = await buildRunner(ctx.deps.db);
    await eraseRunner(ctx.deps, runner.id, 'operator:cli');
    const workers = ctx.startWorkers({
      queues: ['compute'],
      processorMap: {
        ...processors,
        // an import that writes under the runner after the erasure committed
        'run.import-fit': async (deps) =>
          insertActivityOnce(deps.db, { runnerId: runner.id, source: 'upload', externalId: 'late-job', status: 'queued' }).then(() => 'inserted'),
      },
    });
    const activityId = randomUUID();
    await ctx.deps.enqueue('run.import-fit', { activityId });
    const job = await waitFor(async () => {
      const j = await ctx.deps.queues.compute.getJob(`run.import-fit-${activityId}`);
      return j && (await j.getState()) === 'completed' ? j : undefined;
    });
    await workers.close();
    expect(job.returnvalue).toEqual({ outcome: 'owner_gone' });
    expect(job.attemptsMade).toBeLessThanOrEqual(1);
    expect(await q(`select 1 from activities where runner_id = $1`, [runner.id])).toHaveLength(0);
  });
});

describe('"Delete my account" page', () => {
  async function signIn(runnerId: string): Promise<{ cookie: string; csrf: string }> {
    const link = await request(ctx.app).post(`/v1/runners/${runnerId}/links`).set(ctx.auth);
    const opened = await openMagicLink(ctx.app, ctx.env.PUBLIC_URL, new URL(link.body.url as string).pathname);
    const cookie = sessionCookieOf(opened, ctx.env.PUBLIC_URL);
    const form = await request(ctx.app).get('/account/delete').set('Cookie', cookie);
    expect(form.status).toBe(200);
    expect(form.text).toContain('delete my account');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1]!;
    return { cookie, csrf };
  }

  it('a wrong confirmation or a missing CSRF token deletes nothing; the typed confirmation erases the account and clears the cookie', async () => {
    const runner = await buildRunner(ctx.deps.db);
    await q(`insert into pain_mornings (runner_id, local_date, pain, source) values ($1, '2026-05-02', 2, 'diary')`, [runner.id]);
    const { cookie, csrf } = await signIn(runner.id);
    const post = (body: Record<string, string>) => request(ctx.app).post('/account/delete').set('Cookie', cookie).type('form').send(body);

    const wrong = await post({ _csrf: csrf, confirm: 'delete my acount' });
    expect(wrong.status).toBe(422);
    expect(wrong.text).toContain('Nothing was deleted');
    expect(await q(`select 1 from runners where id = $1`, [runner.id])).toHaveLength(1);
    expect((await post({ confirm: 'delete my account' })).status).toBe(403);
    expect(await q(`select 1 from runners where id = $1`, [runner.id])).toHaveLength(1);

    const done = await post({ _csrf: csrf, confirm: '  Delete my account ' });
    expect(done.status).toBe(200);
    expect(done.text).toContain('Your account is gone');
    const setCookie = ((done.headers['set-cookie'] as unknown as string[] | undefined) ?? []).join('\n');
    expect(setCookie).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect(await q(`select 1 from runners where id = $1`, [runner.id])).toHaveLength(0);
    expect(await q(`select 1 from pain_mornings where runner_id = $1`, [runner.id])).toHaveLength(0);
    expect(await q(`select requested_by from erasures where runner_id = $1`, [runner.id])).toEqual([{ requested_by: 'runner:page' }]);
    // the old cookie opens nothing any more
    expect((await request(ctx.app).get('/').set('Cookie', cookie)).status).toBe(401);
  });
});
