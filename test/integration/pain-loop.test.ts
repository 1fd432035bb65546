import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq, sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activities, painPrompts, promptDeliveries, runPain } from '../../src/db/schema/index.js';
import { schedulePromptsForRun } from '../../src/services/prompts/schedule.js';
import { buildSyntheticRunFit } from '../../src/fit/synthetic.js';
import { closeMailers } from '../../src/lib/mailer.js';
import { deleteActivities } from '../../src/services/activities.js';
import { sendPrompt, sweepPrompts } from '../../src/services/prompts/send.js';
import { reportDiaryCommand, runnersUpdateCommand } from '../../src/cli/pain.js';
import { jobIdOf } from '../../src/jobs/queues.js';
import { addDays } from '../../src/domain/iso-week.js';
import { localClock, outOfQuietHours, planMorning, type PromptSettings } from '../../src/domain/pain/schedule.js';
import { createTestContext, type TestContext } from '../setup/context.js';
import { startTestSmtp, type TestSmtp } from '../setup/smtp.js';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

interface Hook {
  body: string;
  headers: Record<string, string>;
}
const hooks: Hook[] = [];
const mails: string[] = [];
let hookServer: Server;
let smtp: TestSmtp;
let ctx: TestContext;
let runnerId: string;

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A synthetic 20-minute run that ended `endedMinAgo` minutes ago, uploaded through the API. */
async function uploadRun(endedMinAgo: number, seed = 0): Promise<{ activityId: string; status: string }> {
  const seconds = 1200 + seed;
  const start = new Date(Date.now() - endedMinAgo * 60_000 - seconds * 1000);
  const bytes = Buffer.from(buildSyntheticRunFit({ seconds, startTime: start, utcOffsetS: 0, altitudeM: (t) => 50 + 10 * Math.sin(t / 120) }));
  const res = await request(ctx.app).post(`/v1/runners/${runnerId}/uploads`).set(ctx.auth).set('Content-Type', 'application/octet-stream').send(bytes);
  expect([200, 202]).toContain(res.status);
  return res.body;
}

async function promptsOf(activityId: string) {
  return ctx.deps.db.select().from(painPrompts).where(eq(painPrompts.activityId, activityId));
}

/**
 * Wait until every queue is idle except for delayed prompt sends (tomorrow morning's prompt and
 * reminders stay delayed in the notify queue; everything else must finish).
 */
async function settle(timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await Promise.all(
      Object.entries(ctx.deps.queues).map(async ([name, q]) => {
        const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
        return (c.waiting ?? 0) + (c.active ?? 0) + (c.prioritized ?? 0) + (c['waiting-children'] ?? 0) + (name === 'notify' ? 0 : (c.delayed ?? 0));
      }),
    );
    if (counts.every((n) => n === 0)) return;
    if (Date.now() > deadline) throw new Error(`queues busy after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function tokenFrom(url: string): string {
  return url.split('/p/')[1]!;
}

beforeAll(async () => {
  hookServer = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hooks.push({ body, headers: req.headers as Record<string, string> });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
  smtp = await startTestSmtp(mails);
  const hookPort = (hookServer.address() as AddressInfo).port;
  ctx = await createTestContext({
    NOTIFY_WEBHOOK_URL: `http://127.0.0.1:${hookPort}/hooks`,
    NOTIFY_WEBHOOK_SECRET: SECRET,
    SMTP_URL: smtp.url,
    MAIL_FROM: 'stridesync <knee@stridesync.test>',
    PUBLIC_URL: 'http://runner.test',
  });
  ctx.startWorkers();
  const created = await request(ctx.app).post('/v1/runners').set(ctx.auth).send({ name: 'Ana', timezone: 'UTC' });
  runnerId = created.body.id;
});

afterAll(async () => {
  await ctx?.close();
  closeMailers();
  await new Promise((r) => hookServer?.close(r));
  await smtp?.close();
});

describe('runner settings', () => {
  it('PATCH validates the zone and times (422 naming the field) and stores the settings', async () => {
    const badZone = await request(ctx.app).patch(`/v1/runners/${runnerId}`).set(ctx.auth).send({ timezone: 'Mars/Olympus' });
    expect(badZone.status).toBe(422);
    expect(badZone.body.error.message).toMatch(/^body\.timezone/);
    const badTime = await request(ctx.app).patch(`/v1/runners/${runnerId}`).set(ctx.auth).send({ morningPromptTime: '8am' });
    expect(badTime.status).toBe(422);
    expect(badTime.body.error.message).toMatch(/^body\.morningPromptTime/);
    const badQuiet = await request(ctx.app)
      .patch(`/v1/runners/${runnerId}`)
      .set(ctx.auth)
      .send({ quietHours: { start: '22:00', end: '25:00' } });
    expect(badQuiet.body.error.message).toMatch(/^body\.quietHours\.end/);
    expect((await request(ctx.app).patch(`/v1/runners/${runnerId}`).set(ctx.auth).send({})).status).toBe(422);
    // no quiet hours (start = end), so the test does not depend on the time of day
    const ok = await request(ctx.app)
      .patch(`/v1/runners/${runnerId}`)
      .set(ctx.auth)
      .send({ email: 'ana@example.test', quietHours: { start: '00:00', end: '00:00' }, morningPromptTime: '07:30' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      email: 'ana@example.test',
      prompts: { morningPromptTime: '07:30', quietHours: { start: '00:00', end: '00:00' }, restDayCheck: false },
    });
    expect((await request(ctx.app).patch(`/v1/runners/00000000-0000-4000-8000-000000000000`).set(ctx.auth).send({ name: 'x' })).status).toBe(404);
  });

  it('the OpenAPI document describes every field GET and PATCH answer, the prompt settings included', async () => {
    const doc = (await request(ctx.app).get('/openapi.json')).body;
    const got = (await request(ctx.app).get(`/v1/runners/${runnerId}`).set(ctx.auth)).body;
    for (const method of ['get', 'patch']) {
      const schema = doc.paths['/v1/runners/{runnerId}'][method].responses['200'].content['application/json'].schema;
      expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(got).sort());
      expect(Object.keys(schema.properties.prompts.properties).sort()).toEqual(['morningPromptTime', 'quietHours', 'restDayCheck']);
    }
  });
});

describe('prompts for a run that just ended', () => {
  let activityId: string;
  let token: string;

  it('schedules one post-run and one next-morning prompt, once, whatever arrives twice', async () => {
    const up = await uploadRun(30);
    activityId = up.activityId;
    await settle();
    const first = await promptsOf(activityId);
    expect(first.map((p) => p.kind).sort()).toEqual(['after_run', 'next_morning']);
    // the same file again (duplicate) and a re-derive of the same activity
    const again = await request(ctx.app)
      .post(`/v1/runners/${runnerId}/uploads`)
      .set(ctx.auth)
      .set('Content-Type', 'application/octet-stream')
      .send(Buffer.from(buildSyntheticRunFit({ seconds: 1200, startTime: new Date(0) })));
    expect(again.status).toBe(202);
    await ctx.deps.enqueue('run.import-fit', { activityId });
    await settle();
    const after = await promptsOf(activityId);
    expect(after.map((p) => p.id).sort()).toEqual(first.map((p) => p.id).sort());
    const pending = await request(ctx.app).get(`/v1/runners/${runnerId}/prompts?status=pending`).set(ctx.auth);
    expect(pending.status).toBe(200);
    expect(pending.body.prompts.filter((p: { activityId: string }) => p.activityId === activityId)).toHaveLength(2);
  });

  it('sends the due post-run prompt as a Standard Webhook and an e-mail, once per channel', async () => {
    const [p] = (await promptsOf(activityId)).filter((x) => x.kind === 'after_run');
    const hook = await waitFor('the prompt webhook', () => hooks.find((h) => JSON.parse(h.body).data?.promptId === p!.id));
    // verified the way a receiver does
    const verified = new Webhook(SECRET).verify(hook.body, hook.headers) as {
      type: string;
      data: { answerUrl: string; kind: string; run: { distanceKm: number } };
    };
    expect(verified.type).toBe('pain_prompt.due');
    expect(verified.data.kind).toBe('after_run');
    expect(verified.data.run.distanceKm).toBeGreaterThan(3);
    expect(verified.data.answerUrl).toMatch(/^http:\/\/runner\.test\/p\/[A-Za-z0-9_-]{43}$/);
    expect(hook.headers['webhook-id']).toBeTruthy();
    expect(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(hook.body, hook.headers)).toThrow();
    token = tokenFrom(verified.data.answerUrl);
    // the token is stored only as a hash (and encrypted for reminders), never in clear
    const [row] = await ctx.deps.db.select().from(painPrompts).where(eq(painPrompts.id, p!.id));
    expect(row!.status).toBe('sent');
    expect(JSON.stringify(row)).not.toContain(token);

    const mail = await waitFor('the prompt e-mail', () => mails.find((m) => m.includes('ana@example.test')));
    const unfolded = mail.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    expect(unfolded).toMatch(/Subject: How is your knee after your run/);
    expect(unfolded).toContain(`http://runner.test/p/${token}`);
    expect(unfolded).toMatch(/Content-Type: text\/plain/);
    expect(unfolded).toMatch(/Content-Type: text\/html/);

    // a second send of the same event delivers nothing more
    const before = hooks.length;
    const mailsBefore = mails.length;
    await ctx.deps.enqueue('prompt.send', { promptId: p!.id, event: 'due', attempt: 1 });
    await settle();
    const deliveries = await ctx.deps.db.select().from(promptDeliveries).where(eq(promptDeliveries.promptId, p!.id));
    expect(deliveries.map((d) => `${d.channel}:${d.status}`).sort()).toEqual(['email:delivered', 'webhook:delivered']);
    expect(hooks.length).toBe(before);
    expect(mails.length).toBe(mailsBefore);
  });

  it('renders the answer page (no cookies, no-store, strict CSP), re-renders errors, records and allows changes', async () => {
    const page = await request(ctx.app).get(`/p/${token}`);
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(page.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(page.headers['set-cookie']).toBeUndefined();
    expect(page.text).toContain('0 no pain');
    expect(page.text).toContain('10 worst imaginable');
    for (let i = 0; i <= 10; i++) expect(page.text).toContain(`name="duringRun" value="${i}"`);
    expect(page.text).not.toMatch(/<script/);
    expect(page.text).not.toContain('calfDuring');

    const bad = await request(ctx.app).post(`/p/${token}`).type('form').send({ duringRun: '11', painNow: '1', stoppedForKnee: 'no' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Please check the answers marked below');
    expect(bad.text).toMatch(/from 0 to 10/);
    expect(bad.text).toContain('name="painNow" value="1" aria-describedby="anchors-painNow" checked');

    const saved = await request(ctx.app).post(`/p/${token}`).type('form').send({ duringRun: '2', painNow: '1', painBefore: '0', stoppedForKnee: 'no' });
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe(`/p/${token}?saved=1`);
    const shown = await request(ctx.app).get(String(saved.headers.location));
    expect(shown.text).toContain('your answers are saved');
    expect(shown.text).toContain('2 / 10');
    expect(shown.text).toContain('Change your answers');

    // "now" above "before" → a settle check at the run's end + 60 min
    const settle = await waitFor('the settle check', async () => (await promptsOf(activityId)).find((x) => x.kind === 'settle_check'));
    const [a] = (await promptsOf(activityId)).filter((x) => x.kind === 'after_run');
    expect(settle.dueAt.getTime() - a!.runEndAt!.getTime()).toBe(60 * 60_000);

    // changing the answer (reuse of the link) within the window
    const changed = await request(ctx.app).post(`/p/${token}`).type('form').send({ duringRun: '4', painNow: '0', painBefore: '0', stoppedForKnee: 'no' });
    expect(changed.status).toBe(303);
    const [rp] = await ctx.deps.db.select().from(runPain).where(eq(runPain.activityId, activityId));
    expect(rp).toMatchObject({ duringRun: 4, painNow: 0, late: false });
    // no longer needed: the pending settle check is withdrawn
    expect((await promptsOf(activityId)).find((x) => x.kind === 'settle_check')!.status).toBe('cancelled');
  });

  it('tampered and unknown tokens get a friendly 404, a closed prompt a 410', async () => {
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    const tampered = await request(ctx.app).get(`/p/${flipped}`);
    expect(tampered.status).toBe(404);
    expect(tampered.text).toContain('This answer link is not valid');
    expect(tampered.headers['content-type']).toMatch(/text\/html/);
    expect((await request(ctx.app).get('/p/short')).status).toBe(404);
    expect((await request(ctx.app).post(`/p/${flipped}`).type('form').send({ duringRun: '1' })).status).toBe(404);

    const [a] = (await promptsOf(activityId)).filter((x) => x.kind === 'after_run');
    // past the edit window (closing time + 24 h)
    await ctx.deps.db
      .update(painPrompts)
      .set({ expiresAt: new Date(Date.now() - 25 * 3600_000) })
      .where(eq(painPrompts.id, a!.id));
    const gone = await request(ctx.app).get(`/p/${token}`);
    expect(gone.status).toBe(410);
    expect(gone.text).toContain('This question has closed');
    expect((await request(ctx.app).post(`/p/${token}`).type('form').send({ duringRun: '1', painNow: '0', stoppedForKnee: 'no' })).status).toBe(410);
    expect((await request(ctx.app).post(`/v1/prompts/${a!.id}/answer`).set(ctx.auth).send({ duringRun: 1, painNow: 0, stoppedForKnee: false })).status).toBe(
      410,
    );
  });

  it('the next-morning answer (API) gives the run its light; the activity and the week carry it', async () => {
    const [m] = (await promptsOf(activityId)).filter((x) => x.kind === 'next_morning');
    const invalid = await request(ctx.app).post(`/v1/prompts/${m!.id}/answer`).set(ctx.auth).send({ nextMorning: 3, nextMorningVsYesterday: 'much worse' });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error.message).toMatch(/nextMorningVsYesterday/);
    const res = await request(ctx.app).post(`/v1/prompts/${m!.id}/answer`).set(ctx.auth).send({ nextMorning: 1, nextMorningVsYesterday: 'same' });
    expect(res.status).toBe(200);
    expect(res.body.prompt.status).toBe('answered');
    // during 4 → amber
    const act = await request(ctx.app).get(`/v1/runners/${runnerId}/activities/${activityId}`).set(ctx.auth);
    expect(act.body.painLight).toBe('amber');
    expect(act.body.pain).toMatchObject({ duringRun: 4, nextMorning: 1, nextMorningVsYesterday: 'same' });
    await settle();
    const weeks = await request(ctx.app).get(`/v1/runners/${runnerId}/weeks`).set(ctx.auth);
    const week = weeks.body.weeks.find((w: { light: string | null }) => w.light !== null);
    expect(week.light).toBe('amber');
    const amber = week.warnings.find((w: { code: string }) => w.code === 'PAIN_AMBER');
    expect(amber.message).toMatch(/do not add anything this week/);
  });
});

describe('diary', () => {
  it('records history for any run (late), recomputes the light, and lists every diary column as JSON and CSV', async () => {
    // a back-filled run (ended 3 days ago): no prompts, but the diary takes it
    const old = await uploadRun(3 * 24 * 60, 7);
    await settle();
    expect(await promptsOf(old.activityId)).toHaveLength(0);
    const empty = await request(ctx.app).put(`/v1/runners/${runnerId}/activities/${old.activityId}/pain`).set(ctx.auth).send({});
    expect(empty.status).toBe(422);
    const bad = await request(ctx.app).put(`/v1/runners/${runnerId}/activities/${old.activityId}/pain`).set(ctx.auth).send({ duringRun: 2.5 });
    expect(bad.body.error.message).toMatch(/^body\.duringRun/);
    const put = await request(ctx.app)
      .put(`/v1/runners/${runnerId}/activities/${old.activityId}/pain`)
      .set(ctx.auth)
      .send({ duringRun: 7, settledAfterMin: 30, nextMorning: 2, nextMorningVsYesterday: 'same', note: 'hilly route, =SUM(A1)' });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ painLight: 'red', pain: { duringRun: 7, late: true } });
    const fixed = await request(ctx.app).put(`/v1/runners/${runnerId}/activities/${old.activityId}/pain`).set(ctx.auth).send({ duringRun: 1 });
    expect(fixed.body.painLight).toBe('green');

    const diary = await request(ctx.app).get(`/v1/runners/${runnerId}/diary`).set(ctx.auth);
    expect(diary.status).toBe(200);
    const row = diary.body.rows.find((r: { activityId: string }) => r.activityId === old.activityId);
    expect(row).toMatchObject({ painDuring: 1, settleMinutes: 30, nextMorning: 2, light: 'green', late: true, note: 'hilly route, =SUM(A1)' });
    expect(row.distanceM).toBeGreaterThan(3000);
    for (const k of ['localDate', 'distanceM', 'movingTimeS', 'avgPaceSPerKm', 'elevationLossM', 'cadenceSpm', 'warnings']) expect(row).toHaveProperty(k);
    // the OpenAPI document names exactly the row's fields (in the CSV's column order, checked below)
    const doc = (await request(ctx.app).get('/openapi.json')).body;
    const documented = Object.keys(
      doc.paths['/v1/runners/{runnerId}/diary'].get.responses['200'].content['application/json'].schema.properties.rows.items.properties,
    );
    expect([...documented].sort()).toEqual(Object.keys(row).sort());

    const csv = await request(ctx.app).get(`/v1/runners/${runnerId}/diary`).set(ctx.auth).set('Accept', 'text/csv');
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe(
      'localDate,startTime,name,distanceM,movingTimeS,avgPaceSPerKm,elevationLossM,cadenceSpm,painDuring,settleMinutes,nextMorning,nextMorningChange,nextMorningVsYesterday,light,warnings,note,late,activityId',
    );
    expect(lines[0]).toBe(documented.join(','));
    expect(lines.find((l) => l.endsWith(old.activityId))).toContain('"hilly route, =SUM(A1)"');
    const other = await request(ctx.app)
      .put(`/v1/runners/${runnerId}/activities/00000000-0000-4000-8000-000000000000/pain`)
      .set(ctx.auth)
      .send({ duringRun: 1 });
    expect(other.status).toBe(404);
  });
});

describe('settle check and reminders', () => {
  it('"now" above "before" asks at +60 min; "not yet" asks again at +120; "yes" then gives 120 minutes', async () => {
    const up = await uploadRun(5, 21);
    await settle();
    const [p1] = (await promptsOf(up.activityId)).filter((x) => x.kind === 'after_run');
    expect(p1!.dueAt.getTime() - p1!.runEndAt!.getTime()).toBe(15 * 60_000);
    const a = await request(ctx.app)
      .post(`/v1/prompts/${p1!.id}/answer`)
      .set(ctx.auth)
      .send({ duringRun: 2, painNow: 3, painBefore: 1, stoppedForKnee: false });
    expect(a.status).toBe(200);
    const check = (await promptsOf(up.activityId)).find((x) => x.kind === 'settle_check')!;
    expect(check.dueAt.getTime() - p1!.runEndAt!.getTime()).toBe(60 * 60_000);
    expect((await request(ctx.app).post(`/v1/prompts/${check.id}/answer`).set(ctx.auth).send({ settled: 'maybe' })).status).toBe(422);
    expect((await request(ctx.app).post(`/v1/prompts/${check.id}/answer`).set(ctx.auth).send({ settled: 'not_yet' })).status).toBe(200);
    const again = (await promptsOf(up.activityId)).find((x) => x.kind === 'settle_check')!;
    expect(again).toMatchObject({ id: check.id, attempt: 2, status: 'pending' });
    expect(again.dueAt.getTime() - p1!.runEndAt!.getTime()).toBe(120 * 60_000);
    let [rp] = await ctx.deps.db.select().from(runPain).where(eq(runPain.activityId, up.activityId));
    expect((rp!.derived as { settleMinutes: number }).settleMinutes).toBe(61);
    expect((await request(ctx.app).post(`/v1/prompts/${check.id}/answer`).set(ctx.auth).send({ settled: 'yes' })).status).toBe(200);
    [rp] = await ctx.deps.db.select().from(runPain).where(eq(runPain.activityId, up.activityId));
    expect(rp).toMatchObject({ settledAt60: false, settledAt120: true });
    expect((rp!.derived as { settleMinutes: number }).settleMinutes).toBe(120);
  });

  it('sends one reminder when its time comes, signed as pain_prompt.reminder', async () => {
    const up = await uploadRun(16, 23);
    await settle();
    const [p] = (await promptsOf(up.activityId)).filter((x) => x.kind === 'after_run');
    await waitFor('the prompt marked sent', async () => (await ctx.deps.db.select().from(painPrompts).where(eq(painPrompts.id, p!.id)))[0]!.status === 'sent');
    const remindAt = new Date(Date.now() + 3600_000);
    await ctx.deps.db
      .update(painPrompts)
      .set({ remindAt, expiresAt: new Date(Date.now() + 6 * 3600_000) })
      .where(eq(painPrompts.id, p!.id));
    const early = await sendPrompt(ctx.deps, p!.id, 'reminder');
    expect(early).toBe('not_due');
    const later = { ...ctx.deps, now: () => new Date(remindAt.getTime() + 1000) };
    expect(await sendPrompt(later, p!.id, 'reminder')).toBe('sent');
    expect(await sendPrompt(later, p!.id, 'reminder')).toBe('already_sent');
    const hook = await waitFor('the reminder webhook', () =>
      hooks.find((h) => JSON.parse(h.body).type === 'pain_prompt.reminder' && JSON.parse(h.body).data.promptId === p!.id),
    );
    const verified = new Webhook(SECRET).verify(hook.body, hook.headers) as { data: { title: string } };
    expect(verified.data.title).toMatch(/^Reminder: /);
  });
});

describe('command line', () => {
  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), isTty: false }, out, err };
  };
  it('runners update changes settings and refuses a bad value; report diary prints JSON and CSV', async () => {
    const bad = capture();
    await expect(runnersUpdateCommand.run(ctx.deps, ['--runner', runnerId, '--morning', '7'], bad.io)).rejects.toThrow(/morningPromptTime/);
    const c = capture();
    expect(await runnersUpdateCommand.run(ctx.deps, ['--runner', runnerId, '--quiet', '00:00-00:00', '--rest-day-check', 'off', '--json'], c.io)).toBe(0);
    expect(JSON.parse(c.out[0]!)).toMatchObject({ id: runnerId, prompts: { quietHours: { start: '00:00', end: '00:00' }, restDayCheck: false } });
    const csv = capture();
    expect(await reportDiaryCommand.run(ctx.deps, ['--runner', runnerId, '--format', 'csv'], csv.io)).toBe(0);
    const lines = csv.out[0]!.split('\r\n');
    expect(lines[0]).toMatch(/^localDate,startTime,name,distanceM/);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const json = capture();
    expect(await reportDiaryCommand.run(ctx.deps, ['--runner', runnerId], json.io)).toBe(0);
    expect(JSON.parse(json.out.join('\n')).rows.some((r: { light: string | null }) => r.light === 'green')).toBe(true);
    const wrong = capture();
    expect(await reportDiaryCommand.run(ctx.deps, ['--runner', runnerId, '--format', 'xml'], wrong.io)).toBe(2);
  });
});

describe('durability and cancellation', () => {
  it('two runs on one day share one next-morning prompt, attributed to the later run', async () => {
    const up = await uploadRun(1, 9); // ends after every other run of the day
    await settle();
    const mornings = await ctx.deps.db
      .select()
      .from(painPrompts)
      .where(and(eq(painPrompts.runnerId, runnerId), eq(painPrompts.kind, 'next_morning')));
    const [p] = (await promptsOf(up.activityId)).filter((x) => x.kind === 'after_run');
    const sameDay = mornings.filter((m) => m.localDate === addDays(p!.localDate!, 1));
    expect(sameDay).toHaveLength(1);
    expect(sameDay[0]!.activityId).toBe(up.activityId);
  });

  it('the sweep sends a due prompt whose job was removed from Redis', async () => {
    const up = await uploadRun(20, 11);
    await settle();
    const [p] = (await promptsOf(up.activityId)).filter((x) => x.kind === 'after_run');
    await waitFor('the first send', () => hooks.find((h) => JSON.parse(h.body).data?.promptId === p!.id));
    // as if the send never happened and its job vanished from Redis (flushed, worker killed)
    const jobId = jobIdOf('prompt.send', { promptId: p!.id, event: 'due', attempt: 1 })!;
    const job = await ctx.deps.queues.notify.getJob(jobId);
    expect(job).toBeTruthy();
    await job!.remove();
    expect(await ctx.deps.queues.notify.getJob(jobId)).toBeFalsy();
    await ctx.deps.db.delete(promptDeliveries).where(eq(promptDeliveries.promptId, p!.id));
    await ctx.deps.db.update(painPrompts).set({ status: 'pending', sentAt: null }).where(eq(painPrompts.id, p!.id));
    const swept = await sweepPrompts(ctx.deps);
    expect(swept.requeued).toBe(1);
    await waitFor('the swept prompt webhook', () => hooks.filter((h) => JSON.parse(h.body).data?.promptId === p!.id).length === 2);
    await waitFor('the prompt marked sent', async () => (await ctx.deps.db.select().from(painPrompts).where(eq(painPrompts.id, p!.id)))[0]!.status === 'sent');
    // a second sweep finds nothing to do
    expect((await sweepPrompts(ctx.deps)).requeued).toBe(0);
  });

  it('a run that turns into a ride (re-derived, no longer counted) loses its open prompts', async () => {
    // ends well apart from the other runs of this file: two uploads starting within 2 min are one run
    const up = await uploadRun(45, 17);
    await settle();
    expect((await promptsOf(up.activityId)).some((p) => p.status === 'pending' || p.status === 'sent')).toBe(true);
    // what a Strava update to "Ride" leaves after the re-derive, then the derive path's scheduling step
    await ctx.deps.db.update(activities).set({ sport: 'cycling', isRun: false, countedInLoad: false }).where(eq(activities.id, up.activityId));
    expect(await schedulePromptsForRun(ctx.deps, up.activityId)).toBe('not_counted');
    const after = await promptsOf(up.activityId);
    expect(after.filter((p) => p.kind === 'after_run').map((p) => [p.status, p.cancelReason])).toEqual([['cancelled', 'not_a_run']]);
  });

  it('deleting a run cancels its open prompts', async () => {
    const up = await uploadRun(25, 13);
    await settle();
    const before = await promptsOf(up.activityId);
    expect(before.length).toBeGreaterThan(0);
    await deleteActivities(ctx.deps, runnerId, [up.activityId]);
    const ids = before.map((p) => p.id);
    const rows = await ctx.deps.db
      .select()
      .from(painPrompts)
      .where(and(eq(painPrompts.runnerId, runnerId)));
    const mine = rows.filter((r) => ids.includes(r.id));
    expect(mine.every((r) => r.status === 'cancelled' || r.status === 'answered')).toBe(true);
    expect(mine.some((r) => r.cancelReason === 'deleted')).toBe(true);
  });
});

describe('settings changes re-time open prompts', () => {
  const hhmm = (minutes: number) => {
    const m = ((minutes % 1440) + 1440) % 1440;
    return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  };
  /** The delayed send job of a prompt event and when it will run. */
  async function sendJob(promptId: string, event: 'due' | 'reminder' = 'due') {
    const job = await ctx.deps.queues.notify.getJob(jobIdOf('prompt.send', { promptId, event, attempt: 1 })!);
    return job ? { state: await job.getState(), runsAt: job.timestamp + (job.delay ?? 0) } : null;
  }

  it('a new zone, morning time and quiet hours move the planned prompts and their delayed jobs', async () => {
    const created = await request(ctx.app).post('/v1/runners').set(ctx.auth).send({ name: 'Bo', timezone: 'UTC' });
    const bo = created.body.id as string;
    expect(
      (
        await request(ctx.app)
          .patch(`/v1/runners/${bo}`)
          .set(ctx.auth)
          .send({ quietHours: { start: '00:00', end: '00:00' } })
      ).status,
    ).toBe(200);
    // a run that ended 2 minutes ago: its post-run prompt is due in 13 minutes, the morning one tomorrow
    const end = new Date(Date.now() - 2 * 60_000);
    const start = new Date(end.getTime() - 1800_000);
    const { rows } = await ctx.deps.db.execute<{ id: string }>(sql`
      with a as (
        insert into activities (runner_id, source, external_id, session_index, sport, is_run, start_time, local_date, utc_offset_s, status, counted_in_load)
        values (${bo}::uuid, 'upload', 'retime-1', 0, 'running', true, ${start.toISOString()}::timestamptz, ${start.toISOString().slice(0, 10)}::date, 0, 'ready', true)
        returning id)
      insert into activity_metrics (activity_id, distance_m, elapsed_time_s, moving_time_s, cadence_source, cadence_quality, elevation_source, splits, pace)
      select id, 5000, 1800, 1800, 'fit-session', 'ok', 'device', '[]'::jsonb, '{}'::jsonb from a returning activity_id as id`);
    const activityId = rows[0]!.id;
    expect(await schedulePromptsForRun(ctx.deps, activityId)).toBe('scheduled');
    const before = await promptsOf(activityId);
    const afterRun = before.find((p) => p.kind === 'after_run')!;
    const morning = before.find((p) => p.kind === 'next_morning')!;
    expect(afterRun.dueAt.getTime()).toBe(end.getTime() + 15 * 60_000);
    expect((await sendJob(afterRun.id))?.state).toBe('delayed');

    // New York, mornings at 06:15, quiet hours from an hour ago until two hours from now (New York time)
    const nowNy = localClock(new Date(), 'America/New_York').minutes;
    const settings: PromptSettings = { timezone: 'America/New_York', morningPromptTime: '06:15', quietStart: hhmm(nowNy - 60), quietEnd: hhmm(nowNy + 120) };
    const patched = await request(ctx.app)
      .patch(`/v1/runners/${bo}`)
      .set(ctx.auth)
      .send({ timezone: settings.timezone, morningPromptTime: settings.morningPromptTime, quietHours: { start: settings.quietStart, end: settings.quietEnd } });
    expect(patched.status).toBe(200);
    const after = await promptsOf(activityId);
    const afterRun2 = after.find((p) => p.id === afterRun.id)!;
    const morning2 = after.find((p) => p.id === morning.id)!;
    // the post-run prompt now falls in quiet hours: it waits for their end, about two hours from now
    const expectedDue = outOfQuietHours(afterRun.dueAt, settings);
    expect(afterRun2.dueAt.toISOString()).toBe(expectedDue.toISOString());
    expect(afterRun2.dueAt.getTime() - Date.now()).toBeGreaterThan(100 * 60_000);
    const m = planMorning(morning.localDate!, settings);
    expect([morning2.dueAt.toISOString(), morning2.expiresAt.toISOString()]).toEqual([m.dueAt.toISOString(), m.expiresAt.toISOString()]);
    expect(morning2.dueAt.toISOString()).not.toBe(morning.dueAt.toISOString());
    // the delayed jobs moved with them
    for (const p of [afterRun2, morning2]) {
      const job = await sendJob(p.id);
      expect(job?.state).toBe('delayed');
      expect(Math.abs(job!.runsAt - p.dueAt.getTime())).toBeLessThan(5_000);
    }
    // nothing is sent at the old time: the sweep finds no due prompt
    expect((await sweepPrompts(ctx.deps)).requeued).toBe(0);
  });

  it('the rest-day check: switched on, its mornings are planned at once; switched off, the unsent ones are withdrawn', async () => {
    const created = await request(ctx.app).post('/v1/runners').set(ctx.auth).send({ name: 'Cy', timezone: 'UTC' });
    const cy = created.body.id as string;
    const on = await request(ctx.app)
      .patch(`/v1/runners/${cy}`)
      .set(ctx.auth)
      .send({ restDayCheck: true, quietHours: { start: '00:00', end: '00:00' } });
    expect(on.status).toBe(200);
    const restOf = () =>
      ctx.deps.db
        .select()
        .from(painPrompts)
        .where(and(eq(painPrompts.runnerId, cy), eq(painPrompts.kind, 'rest_morning')));
    // tomorrow's check is at least 8 hours away, so it is still waiting whatever the time of day
    const pending = (await restOf()).filter((p) => p.status === 'pending');
    expect(pending.length).toBeGreaterThan(0);
    for (const p of pending) expect((await sendJob(p.id))?.state).toBe('delayed');
    expect((await request(ctx.app).patch(`/v1/runners/${cy}`).set(ctx.auth).send({ restDayCheck: false })).status).toBe(200);
    const after = await restOf();
    for (const p of pending) {
      expect(after.find((a) => a.id === p.id)).toMatchObject({ status: 'cancelled', cancelReason: 'opted_out' });
      expect(await sendJob(p.id)).toBeNull();
    }
  });
});
