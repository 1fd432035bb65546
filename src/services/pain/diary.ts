import { and, asc, eq, gte, inArray, lte, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import type { Db } from '../../db/client.js';
import { activities, activityMetrics, painMornings, painPrompts, runPain, warnings } from '../../db/schema/index.js';
import { addDays } from '../../domain/iso-week.js';
import { NotFoundError } from '../../lib/errors.js';
import { Note, Scale, VsYesterdayAnswer } from '../prompts/questions.js';
import { enqueuePainRecomputes, refreshRunLights } from './lights.js';
import { isUuid } from '../../lib/ids.js';

type RunPainRow = typeof runPain.$inferSelect;

export const DiaryBody = z
  .object({
    duringRun: Scale.nullable().optional(),
    settledAfterMin: z.number().int('whole minutes').min(0).max(7 * 24 * 60).nullable().optional(),
    nextMorning: Scale.nullable().optional(),
    nextMorningVsYesterday: VsYesterdayAnswer.nullable().optional(),
    stoppedForKnee: z.boolean().nullable().optional(),
    painBefore: Scale.nullable().optional(),
    calfDuring: Scale.nullable().optional(),
    note: Note.nullable().optional(),
  })
  .strict()
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'give at least one of duringRun, settledAfterMin, nextMorning, nextMorningVsYesterday, stoppedForKnee, painBefore, calfDuring, note' });
export type DiaryBody = z.infer<typeof DiaryBody>;

/** api.md Activity `pain` (null when nothing was recorded) and `painLight` (null while grey). */
export function painView(row: RunPainRow | null | undefined) {
  if (!row) return { pain: null, painLight: null };
  const d = (row.derived ?? {}) as { settleMinutes?: number | null; nextMorningChange?: number | null };
  const any = [row.duringRun, row.nextMorning, row.nextMorningVsYesterday, row.settledAfterMin, row.note, row.stoppedForKnee, row.settledAt60].some((v) => v !== null);
  return {
    pain: any
      ? {
          duringRun: row.duringRun,
          settledAfterMin: row.settledAfterMin ?? d.settleMinutes ?? null,
          nextMorning: row.nextMorning,
          nextMorningVsYesterday: row.nextMorningVsYesterday,
          painNow: row.painNow,
          painBefore: row.painBefore,
          stoppedForKnee: row.stoppedForKnee,
          calfDuring: row.calfDuring,
          stairsOrSittingWorse: row.stairsOrSittingWorse,
          nextMorningChange: d.nextMorningChange ?? null,
          note: row.note,
          late: row.late,
        }
      : null,
    painLight: row.light === 'grey' ? null : (row.light as 'green' | 'amber' | 'red'),
  };
}

export async function painRowsFor(db: Db, activityIds: readonly string[]): Promise<Map<string, RunPainRow>> {
  if (activityIds.length === 0) return new Map();
  const rows = await db.select().from(runPain).where(inArray(runPain.activityId, [...activityIds]));
  return new Map(rows.map((r) => [r.activityId, r]));
}

/**
 * Record or correct a run's pain from the diary (any run, any time). Entries made after the run's
 * post-run prompt closed (or for a run that had none) are marked late. The light follows from
 * whatever is present.
 */
/** The runner's own dated activity, or a 404 (another runner's, unknown or malformed ids alike). */
export async function requireDiaryActivity(deps: Pick<AppDeps, 'db'>, runnerId: string, activityId: string) {
  const [a] = isUuid(activityId)
    ? await deps.db.select().from(activities).where(and(eq(activities.id, activityId), eq(activities.runnerId, runnerId)))
    : [];
  if (!a || !a.localDate) throw new NotFoundError(`activity ${activityId} not found for runner ${runnerId}`, 'activity_not_found');
  return a as typeof a & { localDate: string };
}

export async function putDiaryEntry(deps: Pick<AppDeps, 'db' | 'enqueue' | 'now'>, runnerId: string, activityId: string, body: DiaryBody) {
  const a = await requireDiaryActivity(deps, runnerId, activityId);
  const now = deps.now();
  const [prompt] = await deps.db.select({ expiresAt: painPrompts.expiresAt, status: painPrompts.status }).from(painPrompts).where(and(eq(painPrompts.activityId, a.id), eq(painPrompts.kind, 'after_run')));
  const late = !prompt || prompt.status === 'cancelled' || now.getTime() > prompt.expiresAt.getTime();
  const set: Partial<typeof runPain.$inferInsert> = {};
  for (const k of ['duringRun', 'settledAfterMin', 'nextMorning', 'nextMorningVsYesterday', 'stoppedForKnee', 'painBefore', 'calfDuring', 'note'] as const) {
    if (body[k] !== undefined) (set as Record<string, unknown>)[k] = body[k];
  }
  await deps.db.insert(runPain).values({ activityId: a.id, runnerId, localDate: a.localDate }).onConflictDoNothing();
  await deps.db
    .update(runPain)
    .set({ ...set, late: sql`${runPain.late} or ${late}`, updatedAt: now })
    .where(eq(runPain.activityId, a.id));
  const morning = addDays(a.localDate, 1);
  if (typeof body.nextMorning === 'number') {
    await deps.db
      .insert(painMornings)
      .values({ runnerId, localDate: morning, pain: body.nextMorning, source: 'diary' })
      .onConflictDoUpdate({ target: [painMornings.runnerId, painMornings.localDate], set: { pain: body.nextMorning, source: 'diary', updatedAt: now } });
  }
  const dates = [a.localDate, morning];
  await refreshRunLights(deps.db, runnerId, dates, now);
  await enqueuePainRecomputes(deps, runnerId, dates);
  const rows = await painRowsFor(deps.db, [a.id]);
  return { activityId: a.id, localDate: a.localDate, ...painView(rows.get(a.id)) };
}

export interface DiaryRow {
  activityId: string;
  localDate: string;
  startTime: string | null;
  name: string | null;
  distanceM: number | null;
  movingTimeS: number | null;
  avgPaceSPerKm: number | null;
  elevationLossM: number | null;
  cadenceSpm: number | null;
  painDuring: number | null;
  settleMinutes: number | null;
  nextMorning: number | null;
  nextMorningChange: number | null;
  nextMorningVsYesterday: string | null;
  light: 'green' | 'amber' | 'red' | null;
  warnings: string[];
  note: string | null;
  late: boolean;
}

const r1 = (v: number | null | undefined) => (v === null || v === undefined ? null : Math.round(v * 10) / 10);

/** One row per counted run (R7 diary): date, distance, time, pace, descent, cadence, pain, settle, next morning, light, warnings, note. */
export async function getDiary(deps: { db: Db }, runnerId: string, range: { from?: string; to?: string } = {}): Promise<DiaryRow[]> {
  const rows = await deps.db
    .select({ a: activities, m: activityMetrics, p: runPain })
    .from(activities)
    .leftJoin(activityMetrics, eq(activityMetrics.activityId, activities.id))
    .leftJoin(runPain, eq(runPain.activityId, activities.id))
    .where(
      and(
        eq(activities.runnerId, runnerId),
        eq(activities.countedInLoad, true),
        eq(activities.status, 'ready'),
        range.from ? gte(activities.localDate, range.from) : undefined,
        range.to ? lte(activities.localDate, range.to) : undefined,
      ),
    )
    .orderBy(asc(activities.localDate), asc(activities.startTime));
  const ids = rows.map((r) => r.a.id);
  const fired = ids.length
    ? await deps.db
        .select({ code: warnings.code, runId: sql<string>`${warnings.evidence}->>'runId'` })
        .from(warnings)
        .where(and(eq(warnings.runnerId, runnerId), inArray(sql`${warnings.evidence}->>'runId'`, ids)))
    : [];
  const byRun = new Map<string, string[]>();
  for (const w of fired) byRun.set(w.runId, [...new Set([...(byRun.get(w.runId) ?? []), w.code])].sort());
  return rows.map(({ a, m, p }) => {
    const d = (p?.derived ?? {}) as { settleMinutes?: number | null; nextMorningChange?: number | null };
    return {
      activityId: a.id,
      localDate: a.localDate!,
      startTime: a.startTime?.toISOString() ?? null,
      name: a.name,
      distanceM: r1(m?.distanceM),
      movingTimeS: r1(m?.movingTimeS),
      avgPaceSPerKm: r1(m?.avgPaceSPerKm),
      elevationLossM: r1(m?.elevationLossM),
      cadenceSpm: r1(m?.runCadenceSpm ?? m?.avgCadenceSpm),
      painDuring: p?.duringRun ?? null,
      settleMinutes: p?.settledAfterMin ?? d.settleMinutes ?? null,
      nextMorning: p?.nextMorning ?? null,
      nextMorningChange: d.nextMorningChange ?? null,
      nextMorningVsYesterday: p?.nextMorningVsYesterday ?? null,
      light: !p || p.light === 'grey' ? null : (p.light as 'green' | 'amber' | 'red'),
      warnings: byRun.get(a.id) ?? [],
      note: p?.note ?? null,
      late: p?.late ?? false,
    };
  });
}

export const DIARY_COLUMNS = ['localDate', 'startTime', 'name', 'distanceM', 'movingTimeS', 'avgPaceSPerKm', 'elevationLossM', 'cadenceSpm', 'painDuring', 'settleMinutes', 'nextMorning', 'nextMorningChange', 'nextMorningVsYesterday', 'light', 'warnings', 'note', 'late', 'activityId'] as const;

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = Array.isArray(v) ? v.join(' ') : String(v);
  // formula-looking text is prefixed so spreadsheets do not execute it
  const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function diaryCsv(rows: readonly DiaryRow[]): string {
  return [DIARY_COLUMNS.join(','), ...rows.map((r) => DIARY_COLUMNS.map((c) => csvCell(r[c])).join(','))].join('\r\n') + '\r\n';
}
