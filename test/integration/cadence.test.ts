import { sql } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CADENCE_CSV_COLUMNS } from '../../src/domain/reports/cadence.js';
import { reportCadenceCommand } from '../../src/cli/report-cadence.js';
import { isGaitGoalActive } from '../../src/services/cadence/index.js';
import { insertCadenceRuns } from '../factories/cadence-runs.js';
import { buildRunner } from '../factories/runners.js';
import { createTestContext, type TestContext } from '../setup/context.js';

// Saturday 2026-03-14, 13:00 in Oslo
const NOW = new Date('2026-03-14T12:00:00Z');
const START = '2026-03-02';

let ctx: TestContext;
let runnerId: string;
let ids: string[];

const goalUrl = () => `/v1/runners/${runnerId}/cadence-goal`;
const reportUrl = () => `/v1/runners/${runnerId}/reports/cadence`;

beforeAll(async () => {
  ctx = await createTestContext({}, { now: () => NOW });
  runnerId = (await buildRunner(ctx.deps.db, { name: 'Ana', timezone: 'Europe/Oslo' })).id;
  // Baseline window 2026-02-09..03-01: 158, 160, 162 at 3 m/s over 15 days (a race at 175 does not count).
  // After the start: 163; 165 at 3.5 m/s (speed-matched 162); 166; 168; 168; a 5-minute run (too short).
  ids = await insertCadenceRuns(ctx.deps.db, runnerId, [
    { localDate: '2026-02-12', spm: 158 },
    { localDate: '2026-02-19', spm: 160 },
    { localDate: '2026-02-22', spm: 175, workoutType: 1 },
    { localDate: '2026-02-26', spm: 162 },
    { localDate: '2026-03-03', spm: 163, spreadSpm: 4 },
    { localDate: '2026-03-05', spm: 165, speedMps: 3.5 },
    { localDate: '2026-03-08', spm: 166, spreadSpm: 2 },
    { localDate: '2026-03-10', spm: 168, spreadSpm: 4 },
    { localDate: '2026-03-12', spm: 168 },
    { localDate: '2026-03-13', spm: 170, runningTimeS: 300 },
  ]);
});

afterAll(async () => {
  await ctx?.close();
});

describe('cadence goal validation', () => {
  it.each([
    [{ startDate: START, targetPct: 4 }, 'body.targetPct'],
    [{ startDate: START, targetPct: 11 }, 'body.targetPct'],
    [{ startDate: START, targetPct: 5, targetSpm: 170 }, 'body.targetSpm'],
    [{ startDate: '2026-02-30' }, 'body.startDate'],
    [{ targetPct: 5 }, 'body.startDate'],
    [{ startDate: START, baselineSpm: 90 }, 'body.baselineSpm'],
    [{ startDate: START, baselineSpm: 165, targetSpm: 160 }, 'body.targetSpm'],
    [{ startDate: '2027-01-01' }, 'body.startDate'],
    [{ startDate: START, target: 5 }, 'body'],
  ])('%j → 422 naming %s', async (body, field) => {
    const res = await request(ctx.app).put(goalUrl()).set(ctx.auth).send(body);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.message.startsWith(field)).toBe(true);
  });

  it('404 for an unknown runner, 401 without a key, 404 before any goal', async () => {
    expect((await request(ctx.app).put('/v1/runners/00000000-0000-4000-8000-000000000000/cadence-goal').set(ctx.auth).send({ startDate: START })).status).toBe(
      404,
    );
    expect((await request(ctx.app).get(goalUrl())).status).toBe(401);
    const none = await request(ctx.app).get(goalUrl()).set(ctx.auth);
    expect(none.status).toBe(404);
    expect(none.body.error.code).toBe('cadence_goal_not_found');
    expect(await isGaitGoalActive(ctx.deps, runnerId, '2026-03-14')).toBe(false);
  });
});

describe('a goal for a seeded runner', () => {
  it('PUT creates it with the baseline from the 21 days before the start, frozen', async () => {
    const res = await request(ctx.app).put(goalUrl()).set(ctx.auth).send({ startDate: START });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      baselineSpm: 160,
      targetSpm: 168,
      targetPct: 5,
      startDate: START,
      daysActive: 12,
      status: 'on_target',
      currentSpm: 168,
      progressPct: 100,
      runsOnTarget: 2,
      runsSinceStart: 5,
    });
    expect(res.body.baseline).toMatchObject({
      runs: 3,
      speedMps: 3,
      slopeSource: 'default',
      slopeSpmPerMps: 6,
      frozen: true,
      from: '2026-02-09',
      to: '2026-03-01',
    });
    expect(res.body.nextStep.action).toBe('hold'); // no pain answers: never a step up on missing data
    expect(await isGaitGoalActive(ctx.deps, runnerId, '2026-03-14')).toBe(true);
    expect(await isGaitGoalActive(ctx.deps, runnerId, '2026-03-01')).toBe(false);
    const runner = await request(ctx.app).get(`/v1/runners/${runnerId}`).set(ctx.auth);
    expect(runner.body.cadenceGoal).toMatchObject({ baselineSpm: 160, targetSpm: 168, startDate: START });
  });

  it('GET report (JSON) gives the goal and one row per run with speed-matched cadence and time in band', async () => {
    const res = await request(ctx.app).get(reportUrl()).set(ctx.auth).set('Accept', 'application/json');
    expect(res.status).toBe(200);
    // a runner's data is never cached, so no ETag is computed for it
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.etag).toBeUndefined();
    expect(res.body).toMatchObject({ from: '2026-02-09', to: '2026-03-14', asOf: '2026-03-14' });
    expect(res.body.goal).toMatchObject({ baselineSpm: 160, targetSpm: 168, targetPct: 5, startDate: START, status: 'on_target', progressPct: 100 });
    expect(res.body.runs).toHaveLength(10);
    const byId = new Map<string, { timeInBandPct: number }>(res.body.runs.map((r: { activityId: string; timeInBandPct: number }) => [r.activityId, r]));
    expect(byId.get(ids[5]!)).toMatchObject({
      localDate: '2026-03-05',
      runCadenceSpm: 165,
      adjustedCadenceSpm: 162,
      speedMps: 3.5,
      timeInBandPct: 100,
      painLight: null,
    });
    expect(byId.get(ids[2]!)).toMatchObject({ qualifies: false, excludedReason: 'race_or_workout', adjustedCadenceSpm: null });
    expect(byId.get(ids[9]!)).toMatchObject({ qualifies: false, excludedReason: 'too_short' });
    // 163 ± 4 spm, 1 spm bins with even time: the band starts at 168 × 0.98 = 164.64 → bins 165–167 and 36 % of bin 164, of 9 bins
    expect(byId.get(ids[4]!)!.timeInBandPct).toBeCloseTo((100 * (3 + 0.36)) / 9, 1);
    expect(res.body.weeks.map((w: { week: string }) => w.week)).toEqual(['2026-W07', '2026-W08', '2026-W09', '2026-W10', '2026-W11']);
    expect(res.body.dataQuality.notes).toContain('1 run left out: race or workout');
  });

  it('GET report as CSV: a header with stable columns and one line per run', async () => {
    const res = await request(ctx.app).get(reportUrl()).set(ctx.auth).set('Accept', 'text/csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const lines = res.text.trimEnd().split('\n');
    expect(lines[0]).toBe(CADENCE_CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(11);
    const row = lines.find((l) => l.startsWith(ids[5]!))!.split(',');
    const col = (c: (typeof CADENCE_CSV_COLUMNS)[number]) => row[CADENCE_CSV_COLUMNS.indexOf(c)];
    expect([col('localDate'), col('runCadenceSpm'), col('adjustedCadenceSpm'), col('speedMps'), col('qualifies')]).toEqual([
      '2026-03-05',
      '165',
      '162',
      '3.5',
      'true',
    ]);
    expect((await request(ctx.app).get(reportUrl()).set(ctx.auth).set('Accept', 'image/png')).status).toBe(406);
  });

  it('the CLI prints the same report as JSON or CSV', async () => {
    const lines: string[] = [];
    const errs: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => errs.push(l), isTty: false };
    expect(await reportCadenceCommand.run(ctx.deps, ['--runner', runnerId, '--format', 'csv'], io)).toBe(0);
    const csv = lines.join('\n').split('\n');
    expect(csv[0]).toBe(CADENCE_CSV_COLUMNS.join(','));
    expect(csv).toHaveLength(11);
    lines.length = 0;
    expect(await reportCadenceCommand.run(ctx.deps, ['--runner', runnerId], io)).toBe(0);
    expect(JSON.parse(lines.join('\n')).goal).toMatchObject({ baselineSpm: 160, targetSpm: 168 });
    expect(await reportCadenceCommand.run(ctx.deps, ['--runner', runnerId, '--format', 'xml'], io)).toBe(2);
    expect(errs[0]).toMatch(/--format must be json or csv/);
  });

  it('from/to narrow the listed runs, not the goal; bad dates are 422', async () => {
    const res = await request(ctx.app).get(`${reportUrl()}?from=2026-03-04&to=2026-03-09`).set(ctx.auth);
    expect(res.body.runs.map((r: { localDate: string }) => r.localDate)).toEqual(['2026-03-05', '2026-03-08']);
    expect(res.body.goal.baselineSpm).toBe(160);
    const bad = await request(ctx.app).get(`${reportUrl()}?from=2026-13-01`).set(ctx.auth);
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toMatch(/^query\.from/);
    expect((await request(ctx.app).get(`${reportUrl()}?from=2026-03-10&to=2026-03-01`).set(ctx.auth)).status).toBe(422);
  });

  it('the same start date changes the target and keeps the frozen baseline, even when older runs arrive later', async () => {
    await insertCadenceRuns(ctx.deps.db, runnerId, [
      { localDate: '2026-02-20', spm: 150 },
      { localDate: '2026-02-21', spm: 150 },
    ]);
    const res = await request(ctx.app).put(goalUrl()).set(ctx.auth).send({ startDate: START, targetPct: 7.5 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ baselineSpm: 160, targetSpm: 172, targetPct: 7.5, status: 'progressing' });
    expect(res.body.progressPct).toBe(66.7);
  });

  it('calf pain of 3 or more after a run since the start pauses the goal, and the row records it', async () => {
    await ctx.deps.db.execute(
      sql`insert into run_pain (activity_id, runner_id, local_date, during_run, calf_during, light) values (${ids[7]!}, ${runnerId}, '2026-03-10', 1, 4, 'green')`,
    );
    const res = await request(ctx.app).get(goalUrl()).set(ctx.auth);
    expect(res.body).toMatchObject({ status: 'paused', paused: { activityId: ids[7], localDate: '2026-03-10', reason: 'calf' } });
    expect(res.body.nextStep.action).toBe('pause');
    const row = await ctx.deps.db.execute<{ pause_reason: string; paused_at: Date | null }>(
      sql`select pause_reason, paused_at from cadence_goals where runner_id = ${runnerId} and active`,
    );
    expect(row.rows[0]).toMatchObject({ pause_reason: 'calf' });
    expect(row.rows[0]!.paused_at).not.toBeNull();
    const report = await request(ctx.app).get(reportUrl()).set(ctx.auth);
    expect(report.body.runs.find((r: { activityId: string }) => r.activityId === ids[7])).toMatchObject({ painLight: 'green', calfPain: 4 });
    await ctx.deps.db.execute(sql`delete from run_pain where activity_id = ${ids[7]!}`);
    expect((await request(ctx.app).get(goalUrl()).set(ctx.auth)).body.status).toBe('progressing');
  });

  it('the report page: the chart with one dot per qualifying run, the lines, and strict headers', async () => {
    const res = await request(ctx.app).get(`${reportUrl()}.html`).set(ctx.auth);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['cache-control']).toBe('no-store');
    // 12 runs: 2 left out (race, too short) → 10 dots
    expect((res.text.match(/class="dot /g) ?? []).length).toBe(10);
    expect(res.text).toContain('id="baseline-line" data-spm="160"');
    expect(res.text).toContain('id="target-line" data-spm="172"');
    expect(res.text).toMatch(/id="status-badge" data-status="progressing"/);
    expect(res.text).toContain('<table class="cadence-table"');
    expect(res.text).toMatch(/<p id="next-step" data-action="hold">Hold/);
  });

  it('another start date ends the goal and starts a new one with a new baseline; DELETE ends it', async () => {
    const res = await request(ctx.app).put(goalUrl()).set(ctx.auth).send({ startDate: '2026-03-09', targetSpm: 175 });
    expect(res.status).toBe(201);
    // window 2026-02-16..03-08: 160, 150, 150, 162, 163, 165, 166 (the race left out) → median 162
    expect(res.body.baselineSpm).toBe(162);
    expect(res.body.baseline).toMatchObject({ runs: 7, from: '2026-02-16', to: '2026-03-08', frozen: true });
    expect(res.body).toMatchObject({ targetSpm: 175, startDate: '2026-03-09' });
    const goals = await ctx.deps.db.execute<{ active: boolean; ended_at: Date | null }>(
      sql`select active, ended_at from cadence_goals where runner_id = ${runnerId} order by created_at`,
    );
    expect(goals.rows.map((g) => g.active)).toEqual([false, true]);
    expect(goals.rows[0]!.ended_at).not.toBeNull();
    expect((await request(ctx.app).delete(goalUrl()).set(ctx.auth)).status).toBe(204);
    expect((await request(ctx.app).get(goalUrl()).set(ctx.auth)).status).toBe(404);
    expect((await request(ctx.app).delete(goalUrl()).set(ctx.auth)).status).toBe(404);
    const report = await request(ctx.app).get(reportUrl()).set(ctx.auth);
    expect(report.body.goal).toBeNull();
  });
});

describe('collecting baseline and ownership', () => {
  it('a runner with two runs before the start sees "collecting baseline (2/3)" and none of the other runner\'s runs', async () => {
    const other = (await buildRunner(ctx.deps.db, { timezone: 'Europe/Oslo' })).id;
    await insertCadenceRuns(ctx.deps.db, other, [
      { localDate: '2026-03-05', spm: 170 },
      { localDate: '2026-03-10', spm: 171 },
    ]);
    const res = await request(ctx.app).put(`/v1/runners/${other}/cadence-goal`).set(ctx.auth).send({ startDate: '2026-03-20' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'collecting_baseline',
      statusLabel: 'collecting baseline (2/3)',
      baselineSpm: null,
      targetSpm: null,
      progressPct: null,
    });
    expect(res.body.baseline.frozen).toBe(false);
    const report = await request(ctx.app).get(`/v1/runners/${other}/reports/cadence`).set(ctx.auth);
    expect(report.body.runs).toHaveLength(2);
    expect(report.body.runs.every((r: { activityId: string }) => !ids.includes(r.activityId))).toBe(true);
  });

  it('a clinician-set baseline is used and frozen at once', async () => {
    const other = (await buildRunner(ctx.deps.db, { timezone: 'Europe/Oslo' })).id;
    const res = await request(ctx.app)
      .put(`/v1/runners/${other}/cadence-goal`)
      .set(ctx.auth)
      .send({ startDate: '2026-03-10', baselineSpm: 164, targetPct: 10 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ baselineSpm: 164, targetSpm: 180, targetPct: 10, status: 'not_started' });
    expect(res.body.baseline).toMatchObject({ source: 'given', frozen: true });
  });
});

describe('R3: a new goal is the gait change of its first 2 weeks', () => {
  it("PUT recomputes the goal's weeks; a week with more distance in them gets MULTI_CHANGE naming the goal", async () => {
    ctx.startWorkers();
    const runner = (await buildRunner(ctx.deps.db, { timezone: 'Europe/Oslo' })).id;
    const days = (dates: string[], spm = 165) => dates.map((localDate) => ({ localDate, spm, distanceM: 6000 }));
    await insertCadenceRuns(ctx.deps.db, runner, [
      ...days(['2026-02-10', '2026-02-12', '2026-02-14']),
      ...days(['2026-02-17', '2026-02-19', '2026-02-21']),
      ...days(['2026-02-24', '2026-02-26', '2026-02-28']),
      ...days(['2026-03-03', '2026-03-05', '2026-03-07'], 172), // the goal week: same volume, higher cadence
      ...days(['2026-03-09', '2026-03-10', '2026-03-11', '2026-03-12']), // second goal week: +33 % distance
    ]);
    expect((await request(ctx.app).put(`/v1/runners/${runner}/cadence-goal`).set(ctx.auth).send({ startDate: START })).status).toBe(201);
    await ctx.drain();
    const weeks = (await request(ctx.app).get(`/v1/runners/${runner}/weeks`).set(ctx.auth)).body.weeks as Array<{
      week: string;
      changed: string[];
      warnings: Array<{ code: string; message: string }>;
    }>;
    const w10 = weeks.find((w) => w.week === '2026-W10')!;
    const w11 = weeks.find((w) => w.week === '2026-W11')!;
    expect(w10.changed).toEqual(['avgCadenceSpm']);
    expect(w10.warnings.map((w) => w.code)).not.toContain('MULTI_CHANGE');
    expect(w11.changed).toEqual(expect.arrayContaining(['distanceM', 'avgCadenceSpm']));
    const multi = w11.warnings.find((w) => w.code === 'MULTI_CHANGE')!;
    expect(multi.message).toContain('your new step-rate goal');
    // ending the goal recomputes those weeks without it
    expect((await request(ctx.app).delete(`/v1/runners/${runner}/cadence-goal`).set(ctx.auth)).status).toBe(204);
    await ctx.drain();
    const after = (await request(ctx.app).get(`/v1/runners/${runner}/weeks`).set(ctx.auth)).body.weeks as typeof weeks;
    expect(after.find((w) => w.week === '2026-W11')!.warnings.map((w) => w.code)).not.toContain('MULTI_CHANGE');
  });
});
