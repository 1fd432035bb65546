import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activities, activityMetrics, weeks } from '../../src/db/schema/index.js';
import { addDays, isoWeekOf } from '../../src/domain/iso-week.js';
import type { PaceChanges } from '../../src/domain/run.js';
import { aggregateRuns, changePct } from '../../src/domain/week.js';
import { reportPainCommand } from '../../src/cli/report-pain.js';
import { PainReportBody } from '../../src/http/routes/reports-pain.js';
import { buildRunner } from '../factories/runners.js';
import { createTestContext, type TestContext } from '../setup/context.js';
import { captureIo } from '../setup/cli.js';

let ctx: TestContext;
let server: Server;
let base: string;
let runnerId: string;
let otherRunnerId: string;
const FIRST = '2026-06-01';
const RUNS = 48;

/**
 * A seeded diary with a known answer: every 4th run is hilly (about 20 m/km of descent) and was
 * followed by amber or red; every other run is flat and green. Distances cycle through 6–10 km
 * independently of the hills, so distance has no link to the flare-ups.
 */
async function seedDiary(runner: string): Promise<{ flareDates: string[]; lastDate: string }> {
  const db = ctx.deps.db;
  const flareDates: string[] = [];
  let date = FIRST;
  for (let i = 0; i < RUNS; i++) {
    const hilly = i % 4 === 0;
    const distanceM = [6_000, 8_000, 10_000, 7_000, 9_000][i % 5]!;
    const perKm = hilly ? 18 + (i % 5) : 3 + (i % 3);
    const [a] = await db
      .insert(activities)
      .values({
        runnerId: runner,
        source: 'upload',
        externalId: `seed-${i}`,
        sport: 'running',
        isRun: true,
        startTime: new Date(`${date}T06:00:00Z`),
        localDate: date,
        utcOffsetS: 7200,
        status: 'ready',
        countedInLoad: true,
      })
      .returning({ id: activities.id });
    await db.insert(activityMetrics).values({
      activityId: a!.id,
      distanceM,
      elapsedTimeS: (distanceM / 1000) * 340,
      movingTimeS: (distanceM / 1000) * 330,
      avgPaceSPerKm: 330,
      runCadenceSpm: 168,
      cadenceSource: 'fit-session',
      cadenceQuality: 'ok',
      elevationLossM: (perKm * distanceM) / 1000,
      elevationSource: 'device',
      descentPerKm: perKm,
      paceCvPct: 6,
      splits: [],
      pace: {} as PaceChanges,
    });
    const light = hilly ? (i % 8 === 0 ? 'red' : 'amber') : i % 7 === 6 ? 'grey' : 'green';
    if (hilly) flareDates.push(date);
    await db.execute(
      sql`insert into run_pain (activity_id, runner_id, local_date, during_run, light) values (${a!.id}, ${runner}, ${date}, ${hilly ? 5 : 1}, ${light})`,
    );
    if (i < RUNS - 1) date = addDays(date, i % 2 ? 2 : 1);
  }
  // the week of the last flare-up had more descent than the week before
  const w = isoWeekOf(flareDates.at(-1)!);
  const noRuns = aggregateRuns([]);
  await db.insert(weeks).values({
    runnerId: runner,
    week: w.week,
    startDate: w.start,
    endDate: w.end,
    complete: true,
    variables: noRuns,
    changePct: { ...changePct(noRuns, noRuns), distanceM: 4, elevationLossM: 60 },
    changed: ['elevationLossM'],
  });
  return { flareDates, lastDate: date };
}

async function get(path: string, auth = true) {
  const res = await fetch(`${base}${path}`, { headers: auth ? ctx.auth : {} });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string } } };
}

let seeded: { flareDates: string[]; lastDate: string };

beforeAll(async () => {
  ctx = await createTestContext();
  runnerId = (await buildRunner(ctx.deps.db)).id;
  otherRunnerId = (await buildRunner(ctx.deps.db)).id;
  seeded = await seedDiary(runnerId);
  server = ctx.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await ctx?.close();
});

describe('GET /v1/runners/:runnerId/reports/pain', () => {
  it('finds the known answer: hills went together with flare-ups, distance did not', async () => {
    const { status, body } = await get(`/v1/runners/${runnerId}/reports/pain`);
    expect(status).toBe(200);
    const report = PainReportBody.parse(body);
    expect(Object.keys(body).sort()).toEqual(['answered', 'excludedRuns', 'excludedSources', 'flareUps', 'lacking', 'lights', 'note', 'runs', 'variables']);
    expect(body).toMatchObject({ excludedSources: ['strava'], excludedRuns: 0, note: null, lacking: [] });
    expect(report.runs).toBe(RUNS);
    expect(report.lights.amber + report.lights.red).toBe(seeded.flareDates.length);
    expect(report.answered).toBe(RUNS - report.lights.grey);
    expect(report.lights.grey).toBeGreaterThan(0);

    const perKm = report.variables.find((v) => v.name === 'descentPerKm')!;
    expect(perKm.verdict).toBe('associated');
    expect(perKm.pValue!).toBeLessThan(0.001);
    expect(report.variables[0]!.verdict).toBe('associated');
    const distance = report.variables.find((v) => v.name === 'distance')!;
    expect(distance.verdict).toBe('no clear link');
    expect(distance.flareUps.n).toBe(seeded.flareDates.length);

    expect(report.flareUps.map((f) => f.localDate)).toEqual(seeded.flareDates);
    const last = report.flareUps.at(-1)!;
    expect(last.weekChanges).toEqual(['elevationLossM']);
    // the second hilly run had more descent than anything in the 28 days before it
    expect(report.flareUps[1]!.standouts.map((s) => s.name)).toContain('descentPerKm');
    expect(report.flareUps[1]!.standouts.find((s) => s.name === 'elevationLoss')?.text).toMatch(/^descent \d+ m, your usual is \d+ m$/);
  });

  it('limits the report to ?from&to, using earlier runs as history only', async () => {
    const from = seeded.flareDates[6]!;
    const to = seeded.lastDate;
    const { status, body } = await get(`/v1/runners/${runnerId}/reports/pain?from=${from}&to=${to}`);
    expect(status).toBe(200);
    const report = PainReportBody.parse(body);
    expect(report.flareUps[0]!.localDate).toBe(from);
    expect(report.flareUps).toHaveLength(seeded.flareDates.length - 6);
    expect(report.runs).toBeLessThan(RUNS);
    // the first run in range still has a previous run (before `from`)
    const days = report.variables.find((v) => v.name === 'daysSincePreviousRun')!;
    expect(days.flareUps.n + days.green.n).toBe(report.answered);
  });

  it('leaves Strava-sourced runs out of the comparison with pain answers and says so', async () => {
    const runner = (await buildRunner(ctx.deps.db)).id;
    const diary = await seedDiary(runner);
    // two of the flare-up runs came from Strava
    const fromStrava = await ctx.deps.db.execute<{ id: string }>(
      sql`update activities set source = 'strava' where runner_id = ${runner} and external_id in ('seed-0', 'seed-4') returning id`,
    );
    const stravaIds = fromStrava.rows.map((r) => r.id);
    expect(stravaIds).toHaveLength(2);
    const { status, body } = await get(`/v1/runners/${runner}/reports/pain`);
    expect(status).toBe(200);
    const report = PainReportBody.parse(body);
    expect(report.runs).toBe(RUNS - 2);
    expect(report.excludedRuns).toBe(2);
    expect(report.excludedSources).toEqual(['strava']);
    expect(report.note).toMatch(/^2 runs from Strava left out: Strava's terms do not allow combining its data with your pain answers/);
    expect(report.lights.amber + report.lights.red).toBe(diary.flareDates.length - 2);
    expect(new Set(report.flareUps.map((f) => f.source))).toEqual(new Set(['upload']));
    expect(report.flareUps.map((f) => f.activityId)).not.toContain(stravaIds[0]);
    expect(report.flareUps.map((f) => f.activityId)).not.toContain(stravaIds[1]);
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: () => undefined, isTty: false };
    expect(await reportPainCommand.run(ctx.deps, ['--runner', runner], io)).toBe(0);
    expect(out.at(-1)).toBe(report.note);
  });

  it("another runner's report does not see these runs", async () => {
    const { status, body } = await get(`/v1/runners/${otherRunnerId}/reports/pain`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ runs: 0, answered: 0, flareUps: [] });
  });

  it('404 for an unknown runner, 422 for a bad date or an inverted range, 401 without a key', async () => {
    const unknown = await get('/v1/runners/00000000-0000-4000-8000-000000000000/reports/pain');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error?.code).toBe('runner_not_found');
    expect((await get('/v1/runners/not-a-runner/reports/pain')).status).toBe(404);

    const bad = await get(`/v1/runners/${runnerId}/reports/pain?from=2026-02-30`);
    expect(bad.status).toBe(422);
    expect(bad.body.error?.message).toMatch(/^query\.from/);
    expect((await get(`/v1/runners/${runnerId}/reports/pain?to=yesterday`)).status).toBe(422);
    const inverted = await get(`/v1/runners/${runnerId}/reports/pain?from=2026-07-01&to=2026-06-01`);
    expect(inverted.status).toBe(422);
    expect(inverted.body.error?.message).toMatch(/after/);

    expect((await get(`/v1/runners/${runnerId}/reports/pain`, false)).status).toBe(401);
  });

  it('is listed in the OpenAPI document', async () => {
    const { body } = await get('/openapi.json', false);
    expect(Object.keys(body.paths as object)).toContain('/v1/runners/{runnerId}/reports/pain');
  });
});

describe('stridesync report pain', () => {
  it('--json prints the same report as the route', async () => {
    const c = captureIo();
    expect(await reportPainCommand.run(ctx.deps, ['--runner', runnerId, '--json'], c.io)).toBe(0);
    const http = await get(`/v1/runners/${runnerId}/reports/pain`);
    expect(JSON.parse(c.out.join('\n'))).toEqual(http.body);
  });

  it('prints a readable table, the associations in words and one line per flare-up', async () => {
    const c = captureIo();
    expect(await reportPainCommand.run(ctx.deps, ['--runner', runnerId], c.io)).toBe(0);
    const text = c.out.join('\n');
    expect(c.out[0]).toMatch(/^Pain report for Runner \d+: 48 runs, \d+ answered \(green \d+, amber \d+, red \d+, grey \d+\)$/);
    expect(c.out.find((l) => l.startsWith('descent per km'))).toMatch(/m\/km\s+12 × 20\.0\s+\d+ × 4\.0\s+\+16\.0\s+<0\.001\s+associated$/);
    expect(c.out.find((l) => l.startsWith('distance '))).toMatch(/no clear link$/);
    expect(text).toContain('Flare-ups went together with a higher descent per km');
    expect(text).not.toMatch(/caus/i);
    expect(c.out.filter((l) => /^  \d{4}-\d{2}-\d{2} \((amber|red)\)/.test(l))).toHaveLength(seeded.flareDates.length);
  });

  it('needs --runner; an unknown runner is an error', async () => {
    const c = captureIo();
    expect(await reportPainCommand.run(ctx.deps, [], c.io)).toBe(2);
    expect(c.err[0]).toMatch(/--runner/);
    await expect(reportPainCommand.run(ctx.deps, ['--runner', '00000000-0000-4000-8000-000000000000'], c.io)).rejects.toThrow(/not found/);
  });
});
