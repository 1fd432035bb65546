import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import type { Db } from '../../db/client.js';
import { findRunPrompt } from '../../db/queries/pain-prompts.js';
import { upsertMorning } from '../../db/queries/pain-mornings.js';
import {
  findDiaryActivity,
  findRunPainRows,
  insertRunPain,
  lateOr,
  loadDiaryRuns,
  runWarningCodes,
  updateRunPain,
  type RunPainRow,
  type RunPainSet,
} from '../../db/queries/run-pain.js';
import { addDays } from '../../domain/iso-week.js';
import { NotFoundError } from '../../lib/errors.js';
import { Note, Scale, VsYesterdayAnswer } from '../prompts/questions.js';
import { enqueuePainRecomputes, refreshRunLights } from './lights.js';
import { isUuid } from '../../lib/ids.js';

export const DiaryBody = z
  .object({
    duringRun: Scale.nullable().optional(),
    settledAfterMin: z
      .number()
      .int('whole minutes')
      .min(0)
      .max(7 * 24 * 60)
      .nullable()
      .optional(),
    nextMorning: Scale.nullable().optional(),
    nextMorningVsYesterday: VsYesterdayAnswer.nullable().optional(),
    stoppedForKnee: z.boolean().nullable().optional(),
    painBefore: Scale.nullable().optional(),
    calfDuring: Scale.nullable().optional(),
    note: Note.nullable().optional(),
  })
  .strict()
  .refine((b) => Object.values(b).some((v) => v !== undefined), {
    message: 'give at least one of duringRun, settledAfterMin, nextMorning, nextMorningVsYesterday, stoppedForKnee, painBefore, calfDuring, note',
  });
export type DiaryBody = z.infer<typeof DiaryBody>;

/** The Activity `pain` of docs/api.md (null when nothing was recorded) and `painLight` (null while grey). */
export function painView(row: RunPainRow | null | undefined) {
  if (!row) return { pain: null, painLight: null };
  const d = row.derived ?? {};
  const any = [row.duringRun, row.nextMorning, row.nextMorningVsYesterday, row.settledAfterMin, row.note, row.stoppedForKnee, row.settledAt60].some(
    (v) => v !== null,
  );
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
  const rows = await findRunPainRows(db, activityIds);
  return new Map(rows.map((r) => [r.activityId, r]));
}

/** The runner's own dated activity, or a 404 (another runner's, unknown or malformed ids alike). */
export async function requireDiaryActivity(deps: Pick<AppDeps, 'db'>, runnerId: string, activityId: string): Promise<{ id: string; localDate: string }> {
  const a = isUuid(activityId) ? await findDiaryActivity(deps.db, runnerId, activityId) : null;
  if (!a) throw new NotFoundError(`activity ${activityId} not found for runner ${runnerId}`, 'activity_not_found');
  return a;
}

/**
 * Record or correct a run's pain from the diary (any run, any time). Entries made after the run's
 * post-run prompt closed (or for a run that had none) are marked late. The light follows from
 * whatever is present.
 */
export async function putDiaryEntry(deps: Pick<AppDeps, 'db' | 'enqueue' | 'now'>, runnerId: string, activityId: string, body: DiaryBody) {
  const a = await requireDiaryActivity(deps, runnerId, activityId);
  const now = deps.now();
  const prompt = await findRunPrompt(deps.db, a.id, 'after_run');
  const late = !prompt || prompt.status === 'cancelled' || now.getTime() > prompt.expiresAt.getTime();
  const set: RunPainSet = {};
  for (const k of ['duringRun', 'settledAfterMin', 'nextMorning', 'nextMorningVsYesterday', 'stoppedForKnee', 'painBefore', 'calfDuring', 'note'] as const) {
    if (body[k] !== undefined) (set as Record<string, unknown>)[k] = body[k];
  }
  await insertRunPain(deps.db, { activityId: a.id, runnerId, localDate: a.localDate });
  await updateRunPain(deps.db, a.id, { ...set, late: lateOr(late), updatedAt: now });
  const morning = addDays(a.localDate, 1);
  if (typeof body.nextMorning === 'number') await upsertMorning(deps.db, runnerId, morning, body.nextMorning, 'diary', now);
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

/**
 * One row per counted run (the diary, docs/pain.md): date, distance, time, pace, descent, cadence,
 * pain, settle, next morning, light, warnings, note. One narrow query for the runs and one for the
 * runner's warnings that named a run; five years of daily runs stay well under 100 ms.
 */
export async function getDiary(deps: { db: Db }, runnerId: string, range: { from?: string; to?: string } = {}): Promise<DiaryRow[]> {
  const [rows, fired] = await Promise.all([loadDiaryRuns(deps.db, runnerId, range), runWarningCodes(deps.db, runnerId)]);
  const byRun = new Map<string, Set<string>>();
  for (const w of fired) {
    const codes = byRun.get(w.runId) ?? new Set<string>();
    codes.add(w.code);
    byRun.set(w.runId, codes);
  }
  return rows.map((r) => {
    const codes = byRun.get(r.id);
    return {
      activityId: r.id,
      localDate: r.localDate!,
      startTime: r.startTime?.toISOString() ?? null,
      name: r.name,
      distanceM: r1(r.distanceM),
      movingTimeS: r1(r.movingTimeS),
      avgPaceSPerKm: r1(r.avgPaceSPerKm),
      elevationLossM: r1(r.elevationLossM),
      cadenceSpm: r1(r.cadenceSpm),
      painDuring: r.painDuring ?? null,
      settleMinutes: r.settledAfterMin ?? r.derivedSettleMinutes ?? null,
      nextMorning: r.nextMorning ?? null,
      nextMorningChange: r.nextMorningChange ?? null,
      nextMorningVsYesterday: r.nextMorningVsYesterday ?? null,
      light: !r.light || r.light === 'grey' ? null : r.light,
      warnings: codes ? [...codes].sort() : [],
      note: r.note ?? null,
      late: r.late ?? false,
    };
  });
}

export const DIARY_COLUMNS = [
  'localDate',
  'startTime',
  'name',
  'distanceM',
  'movingTimeS',
  'avgPaceSPerKm',
  'elevationLossM',
  'cadenceSpm',
  'painDuring',
  'settleMinutes',
  'nextMorning',
  'nextMorningChange',
  'nextMorningVsYesterday',
  'light',
  'warnings',
  'note',
  'late',
  'activityId',
] as const;

/** One CSV cell; text that starts like a spreadsheet formula is prefixed with a quote so it is not executed. */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = Array.isArray(v) ? v.join(' ') : String(v);
  // formula-looking text is prefixed so spreadsheets do not execute it
  const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function diaryCsv(rows: readonly DiaryRow[]): string {
  return [DIARY_COLUMNS.join(','), ...rows.map((r) => DIARY_COLUMNS.map((c) => csvCell(r[c])).join(','))].join('\r\n') + '\r\n';
}
