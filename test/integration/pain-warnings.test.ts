import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activities, activityMetrics, runPain, warnings } from '../../src/db/schema/index.js';
import { recomputeWeek } from '../../src/services/recompute-week.js';
import { refreshRunLights } from '../../src/services/pain/lights.js';
import { insertCadenceRuns } from '../factories/cadence-runs.js';
import { buildRunner } from '../factories/runners.js';
import { createTestContext, type TestContext } from '../setup/context.js';

// Thursday of ISO week 2026-W48 (23–29 Nov), 12:00 in Oslo
const NOW = new Date('2026-11-26T11:00:00Z');
let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext({}, { now: () => NOW });
});
afterAll(async () => {
  await ctx?.close();
});

type Answers = Partial<typeof runPain.$inferInsert>;
const green: Answers = { duringRun: 1, painNow: 0, painBefore: 0, answeredAfterMin: 20, stoppedForKnee: false, nextMorning: 1, nextMorningVsYesterday: 'same' };

/** Counted runs with metrics (descent per km given) and their pain answers, lights computed. */
async function seed(runnerId: string, runs: Array<{ localDate: string; descentPerKm: number; pain?: Answers }>): Promise<string[]> {
  const ids = await insertCadenceRuns(
    ctx.deps.db,
    runnerId,
    runs.map((r) => ({ localDate: r.localDate, spm: 165, distanceM: 5000 })),
  );
  for (const [i, r] of runs.entries()) {
    await ctx.deps.db.update(activityMetrics).set({ descentPerKm: r.descentPerKm, avgPaceSPerKm: 360 }).where(eq(activityMetrics.activityId, ids[i]!));
    if (r.pain) await ctx.deps.db.insert(runPain).values({ activityId: ids[i]!, runnerId, localDate: r.localDate, ...r.pain });
  }
  await refreshRunLights(
    ctx.deps.db,
    runnerId,
    runs.map((r) => r.localDate),
    NOW,
  );
  return ids;
}

const deps = () => ({ ...ctx.deps, notifyConfigured: false });

describe('pain warnings in the weekly recompute', () => {
  it('three green runs in 7 days: READY_TO_PROGRESS naming distance first; the week is green', async () => {
    const runner = await buildRunner(ctx.deps.db, { timezone: 'Europe/Oslo' });
    await seed(runner.id, [
      { localDate: '2026-11-10', descentPerKm: 5 },
      { localDate: '2026-11-20', descentPerKm: 5, pain: green },
      { localDate: '2026-11-23', descentPerKm: 5, pain: green },
      { localDate: '2026-11-25', descentPerKm: 5, pain: green },
    ]);
    await recomputeWeek(deps(), runner.id, '2026-W48');
    const rows = await ctx.deps.db.select().from(warnings).where(eq(warnings.runnerId, runner.id));
    const ready = rows.find((w) => w.code === 'READY_TO_PROGRESS');
    expect(ready?.message).toMatch(/first a little more distance/);
    expect(rows.map((w) => w.code)).not.toContain('PAIN_RED');
  });

  it('two red runs in 7 days: PAIN_RED with the reductions (naming the usual descent), SEE_CLINICIAN, no READY_TO_PROGRESS', async () => {
    const runner = await buildRunner(ctx.deps.db, { timezone: 'Europe/Oslo' });
    const ids = await seed(runner.id, [
      { localDate: '2026-11-02', descentPerKm: 4 },
      { localDate: '2026-11-05', descentPerKm: 6 },
      { localDate: '2026-11-09', descentPerKm: 8 },
      { localDate: '2026-11-21', descentPerKm: 20, pain: { ...green, duringRun: 7 } },
      { localDate: '2026-11-24', descentPerKm: 18, pain: { ...green, stoppedForKnee: true } },
      { localDate: '2026-11-25', descentPerKm: 5, pain: green },
    ]);
    await recomputeWeek(deps(), runner.id, '2026-W48');
    const rows = await ctx.deps.db.select().from(warnings).where(eq(warnings.runnerId, runner.id));
    const codes = rows.map((w) => w.code).sort();
    expect(codes).toEqual(['LOAD_JUMP', 'PAIN_RED', 'SEE_CLINICIAN']);
    // a week that is not all green gets no progression advice: the load warning says to hold
    expect(rows.find((w) => w.code === 'LOAD_JUMP')!.message).toMatch(/not all green this week, so hold your running rather than adding anything\.$/);
    const red = rows.find((w) => w.code === 'PAIN_RED')!;
    expect(red.evidence.runId).toBe(ids[4]);
    // the usual descent: median of the 28 days before the week (4, 6, 8, 20 m/km → 7.0)
    expect(red.message).toMatch(/1\. Slow down[\s\S]*2\. Avoid downhills[\s\S]*less than 7\.0 m of descent per km[\s\S]*3\. Make runs shorter/);
    expect(red.message).toContain('you stopped or walked because of the knee');
    // the week light is its worst day
    const [week] = await ctx.deps.db.query.weeks.findMany({ where: (w, { and, eq: e }) => and(e(w.runnerId, runner.id), e(w.week, '2026-W48')) });
    expect((week!.details as { light: string }).light).toBe('red');

    // the answers are corrected: the runs turn green, the warnings resolve
    await ctx.deps.db
      .update(runPain)
      .set({ duringRun: 1, stoppedForKnee: false })
      .where(inArray(runPain.activityId, [ids[3]!, ids[4]!]));
    await refreshRunLights(ctx.deps.db, runner.id, ['2026-11-21', '2026-11-24'], NOW);
    await recomputeWeek(deps(), runner.id, '2026-W48');
    const after = await ctx.deps.db.select().from(warnings).where(eq(warnings.runnerId, runner.id));
    const open = after
      .filter((w) => w.status === 'open')
      .map((w) => w.code)
      .sort();
    expect(open).toEqual(['LOAD_JUMP', 'READY_TO_PROGRESS']);
    expect(after.find((w) => w.code === 'PAIN_RED')!.status).toBe('resolved');
    expect(after.find((w) => w.code === 'LOAD_JUMP')!.message).not.toMatch(/not all green/);
  });

  it('a red run from Strava still raises PAIN_RED from the answers, but no Strava numbers are combined with them', async () => {
    const runner = await buildRunner(ctx.deps.db, { timezone: 'Europe/Oslo' });
    const ids = await seed(runner.id, [
      { localDate: '2026-11-02', descentPerKm: 4 },
      { localDate: '2026-11-05', descentPerKm: 6 },
      { localDate: '2026-11-09', descentPerKm: 8 },
      { localDate: '2026-11-24', descentPerKm: 18, pain: { ...green, stoppedForKnee: true } },
    ]);
    await ctx.deps.db.update(activities).set({ source: 'strava' }).where(inArray(activities.id, ids));
    await recomputeWeek(deps(), runner.id, '2026-W48');
    const rows = await ctx.deps.db.select().from(warnings).where(eq(warnings.runnerId, runner.id));
    const red = rows.find((w) => w.code === 'PAIN_RED')!;
    expect(red.evidence.runId).toBe(ids[3]);
    expect(red.evidence).toMatchObject({ runDescentPerKm: null, medianDescentPerKm: null });
    expect(red.message).not.toMatch(/m of descent per km/);
  });
});
