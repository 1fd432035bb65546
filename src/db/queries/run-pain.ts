import { and, asc, desc, eq, gte, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../client.js';
import { activities, activityMetrics, runPain, warnings, type RunPainDerived } from '../schema/index.js';

export type RunPainRow = typeof runPain.$inferSelect;
export type RunPainSet = PgUpdateSetSource<typeof runPain>;

export interface DateRange {
  from?: string;
  to?: string;
}

/**
 * A runner's counted runs (derived, not deleted, not a duplicate copy or a non-run) with local date
 * in [from, to] (either end open): the set of runs the diary, the lights and the pain weeks read.
 */
export function countedRunsIn(runnerId: string, range: DateRange = {}) {
  return and(
    eq(activities.runnerId, runnerId),
    eq(activities.countedInLoad, true),
    eq(activities.status, 'ready'),
    isNull(activities.deletedAt),
    range.from ? gte(activities.localDate, range.from) : undefined,
    range.to ? lte(activities.localDate, range.to) : undefined,
  );
}

/** The pain row of a run, created empty if missing. */
export async function insertRunPain(db: DbOrTx, row: { activityId: string; runnerId: string; localDate: string }): Promise<void> {
  await db.insert(runPain).values(row).onConflictDoNothing();
}

/** The pain row of a run, created empty from its activity if missing; false when the activity has no local date. */
export async function ensureRunPainOf(db: DbOrTx, activityId: string): Promise<boolean> {
  const { rows } = await db.execute<{ n: number }>(sql`
    with a as (select id, runner_id, local_date from activities where id = ${activityId} and local_date is not null),
    ins as (insert into run_pain (activity_id, runner_id, local_date) select id, runner_id, local_date from a on conflict do nothing)
    select count(*)::int as n from a`);
  return (rows[0]?.n ?? 0) > 0;
}

export async function updateRunPain(db: DbOrTx, activityIds: string | readonly string[], set: RunPainSet): Promise<void> {
  const ids = typeof activityIds === 'string' ? [activityIds] : [...activityIds];
  if (ids.length === 0) return;
  await db
    .update(runPain)
    .set(set)
    .where(ids.length === 1 ? eq(runPain.activityId, ids[0]!) : inArray(runPain.activityId, ids));
}

/** `late` stays true once some answer came late. */
export const lateOr = (late: boolean) => sql<boolean>`${runPain.late} or ${late}`;

export async function findRunPainRows(db: DbOrTx, activityIds: readonly string[]): Promise<RunPainRow[]> {
  if (activityIds.length === 0) return [];
  return db
    .select()
    .from(runPain)
    .where(inArray(runPain.activityId, [...activityIds]));
}

export async function runPainOnDates(db: DbOrTx, runnerId: string, dates: readonly string[]): Promise<RunPainRow[]> {
  return db
    .select()
    .from(runPain)
    .where(and(eq(runPain.runnerId, runnerId), inArray(runPain.localDate, [...dates])));
}

export async function setRunLight(db: DbOrTx, activityId: string, light: RunPainRow['light'], derived: RunPainDerived, now: Date): Promise<void> {
  await db.update(runPain).set({ light, derived, updatedAt: now }).where(eq(runPain.activityId, activityId));
}

/** Counted runs of a runner on one local date (a next-morning answer covers all of them). */
export async function countedRunIdsOn(db: DbOrTx, runnerId: string, localDate: string): Promise<string[]> {
  const rows = await db
    .select({ id: activities.id })
    .from(activities)
    .where(countedRunsIn(runnerId, { from: localDate, to: localDate }));
  return rows.map((r) => r.id);
}

/** Hand a run's pain row to the counted copy of the same run (unless that copy has one already). */
export async function moveRunPain(db: DbOrTx, fromId: string, toId: string, now: Date): Promise<void> {
  await db.execute(sql`
    update run_pain set activity_id = ${toId}, updated_at = ${now}
    where activity_id = ${fromId} and not exists (select 1 from run_pain r where r.activity_id = ${toId})`);
}

/** Counted runs with their stored light and pain, oldest first (no row: never answered). */
export async function listCountedRunsWithPain(db: DbOrTx, runnerId: string, range: DateRange = {}) {
  return db
    .select({
      activityId: activities.id,
      localDate: activities.localDate,
      light: runPain.light,
      painDuring: runPain.duringRun,
      calfPain: runPain.calfDuring,
      derived: runPain.derived,
    })
    .from(activities)
    .leftJoin(runPain, eq(runPain.activityId, activities.id))
    .where(and(countedRunsIn(runnerId, range), sql`${activities.localDate} is not null`))
    .orderBy(asc(activities.localDate), asc(activities.startTime));
}

/** Counted runs over [from, to] with light, reasons, descent per km and pace: what a pain week is judged on. */
export async function loadPainWeekRuns(db: DbOrTx, runnerId: string, from: string, to: string) {
  return db
    .select({
      id: activities.id,
      source: activities.source,
      localDate: activities.localDate,
      light: runPain.light,
      derived: runPain.derived,
      descentPerKm: activityMetrics.descentPerKm,
      paceSPerKm: activityMetrics.avgPaceSPerKm,
    })
    .from(activities)
    .leftJoin(runPain, eq(runPain.activityId, activities.id))
    .leftJoin(activityMetrics, eq(activityMetrics.activityId, activities.id))
    .where(countedRunsIn(runnerId, { from, to }))
    .orderBy(asc(activities.localDate), asc(activities.startTime));
}

/** Calf pain and the derived variables of a runner's runs since a local date. */
export async function calfAndDerivedSince(db: DbOrTx, runnerId: string, sinceLocalDate: string) {
  return db
    .select({ calf: runPain.calfDuring, derived: runPain.derived })
    .from(runPain)
    .where(and(eq(runPain.runnerId, runnerId), gte(runPain.localDate, sinceLocalDate)));
}

/**
 * The diary's rows: one per counted run, oldest first, only the columns the diary shows (the
 * derived settle minutes and next-morning change read out of the stored json in SQL). Kept narrow on
 * purpose: five years of daily runs are ~1,800 rows, and every column read is parsed per row.
 */
export async function loadDiaryRuns(db: DbOrTx, runnerId: string, range: DateRange = {}) {
  return db
    .select({
      id: activities.id,
      localDate: activities.localDate,
      startTime: activities.startTime,
      name: activities.name,
      distanceM: activityMetrics.distanceM,
      movingTimeS: activityMetrics.movingTimeS,
      avgPaceSPerKm: activityMetrics.avgPaceSPerKm,
      elevationLossM: activityMetrics.elevationLossM,
      cadenceSpm: sql<number | null>`coalesce(${activityMetrics.runCadenceSpm}, ${activityMetrics.avgCadenceSpm})`,
      painDuring: runPain.duringRun,
      settledAfterMin: runPain.settledAfterMin,
      derivedSettleMinutes: sql<number | null>`(${runPain.derived}->>'settleMinutes')::float8`,
      nextMorning: runPain.nextMorning,
      nextMorningChange: sql<number | null>`(${runPain.derived}->>'nextMorningChange')::float8`,
      nextMorningVsYesterday: runPain.nextMorningVsYesterday,
      light: runPain.light,
      note: runPain.note,
      late: runPain.late,
    })
    .from(activities)
    .leftJoin(activityMetrics, eq(activityMetrics.activityId, activities.id))
    .leftJoin(runPain, eq(runPain.activityId, activities.id))
    .where(countedRunsIn(runnerId, range))
    .orderBy(asc(activities.localDate), asc(activities.startTime));
}

/**
 * The warning codes that named a run (`evidence.runId`), for a runner: the runner's warnings are few
 * (one per week and code), so they are read whole and matched to runs in the caller.
 */
export async function runWarningCodes(db: DbOrTx, runnerId: string): Promise<Array<{ code: string; runId: string }>> {
  return db
    .select({ code: warnings.code, runId: sql<string>`${warnings.evidence}->>'runId'` })
    .from(warnings)
    .where(and(eq(warnings.runnerId, runnerId), sql`${warnings.evidence} ? 'runId'`));
}

/** A runner's own dated, not deleted activity (the diary's target), or null. */
export async function findDiaryActivity(db: DbOrTx, runnerId: string, activityId: string): Promise<{ id: string; localDate: string } | null> {
  const [a] = await db
    .select({ id: activities.id, localDate: activities.localDate })
    .from(activities)
    .where(and(eq(activities.id, activityId), eq(activities.runnerId, runnerId), isNull(activities.deletedAt)));
  return a?.localDate ? { id: a.id, localDate: a.localDate } : null;
}

/** The few numbers of a run a prompt's summary shows. */
export async function findRunMetrics(db: DbOrTx, activityId: string) {
  const [m] = await db
    .select({
      distanceM: activityMetrics.distanceM,
      movingTimeS: activityMetrics.movingTimeS,
      elevationLossM: activityMetrics.elevationLossM,
      runCadenceSpm: activityMetrics.runCadenceSpm,
      avgCadenceSpm: activityMetrics.avgCadenceSpm,
    })
    .from(activityMetrics)
    .where(eq(activityMetrics.activityId, activityId));
  return m ?? null;
}

/**
 * Counted runs, and runs whose data expired with their source's cache window and that nothing replaces
 * (they stay in the diary with the runner's own answers, docs/platforms.md).
 */
function diaryRunsIn(runnerId: string, range: DateRange) {
  return or(
    countedRunsIn(runnerId, range),
    and(
      eq(activities.runnerId, runnerId),
      eq(activities.excludedReason, 'expired'),
      isNull(activities.deletedAt),
      range.from ? gte(activities.localDate, range.from) : undefined,
      range.to ? lte(activities.localDate, range.to) : undefined,
    ),
  );
}

/** The runner pages' diary rows: counted runs (and expired ones) with metrics and pain answers, newest first (or one run). */
export async function loadDiaryPageRuns(db: DbOrTx, runnerId: string, range: DateRange & { activityId?: string }, limit: number) {
  return db
    .select({
      a: {
        id: activities.id,
        localDate: activities.localDate,
        source: activities.source,
        externalId: activities.externalId,
        name: activities.name,
        expiredAt: activities.expiredAt,
      },
      m: {
        distanceM: activityMetrics.distanceM,
        movingTimeS: activityMetrics.movingTimeS,
        avgPaceSPerKm: activityMetrics.avgPaceSPerKm,
        elevationLossM: activityMetrics.elevationLossM,
        runCadenceSpm: activityMetrics.runCadenceSpm,
        avgCadenceSpm: activityMetrics.avgCadenceSpm,
      },
      p: {
        duringRun: runPain.duringRun,
        settledAfterMin: runPain.settledAfterMin,
        nextMorning: runPain.nextMorning,
        nextMorningVsYesterday: runPain.nextMorningVsYesterday,
        calfDuring: runPain.calfDuring,
        note: runPain.note,
        light: runPain.light,
      },
    })
    .from(activities)
    .leftJoin(activityMetrics, eq(activityMetrics.activityId, activities.id))
    .leftJoin(runPain, eq(runPain.activityId, activities.id))
    .where(and(diaryRunsIn(runnerId, range), range.activityId ? eq(activities.id, range.activityId) : undefined))
    .orderBy(desc(activities.startTime))
    .limit(limit);
}
