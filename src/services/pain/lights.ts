import type { Db, DbOrTx } from '../../db/client.js';
import { morningsOn } from '../../db/queries/pain-mornings.js';
import { listCountedRunsWithPain, runPainOnDates, setRunLight, type RunPainRow } from '../../db/queries/run-pain.js';
import type { RunPainFacts } from '../../domain/pain/derived.js';
import { explainRunLight } from '../../domain/pain/light.js';
import { addDays, isoWeekOf } from '../../domain/iso-week.js';
import type { Enqueue } from '../../jobs/queues.js';

/** The facts of one stored row plus the morning before the run (the run's own local date). */
export function factsOf(row: RunPainRow, previousMorning: number | null): RunPainFacts {
  return {
    duringRun: row.duringRun,
    painNow: row.painNow,
    painBefore: row.painBefore,
    answeredAfterMin: row.answeredAfterMin,
    stoppedForKnee: row.stoppedForKnee,
    settledAt60: row.settledAt60,
    settledAt120: row.settledAt120,
    settledAfterMin: row.settledAfterMin,
    nextMorning: row.nextMorning,
    previousMorning,
    nextMorningVsYesterday: row.nextMorningVsYesterday,
  };
}

/** Recompute and store the light of every run on these local dates. Returns the rows that changed light. */
export async function refreshRunLights(db: DbOrTx, runnerId: string, dates: readonly string[], now: Date): Promise<number> {
  const unique = [...new Set(dates)];
  if (unique.length === 0) return 0;
  const [rows, mornings] = await Promise.all([runPainOnDates(db, runnerId, unique), morningsOn(db, runnerId, unique)]);
  const morningOf = new Map(mornings.map((m) => [m.localDate, m.pain]));
  let changed = 0;
  for (const row of rows) {
    const r = explainRunLight(factsOf(row, morningOf.get(row.localDate) ?? null));
    const derived = { ...r.derived, reasons: r.reasons };
    if (row.light === r.light && JSON.stringify(row.derived) === JSON.stringify(derived)) continue;
    await setRunLight(db, row.activityId, r.light, derived, now);
    if (row.light !== r.light) changed++;
  }
  return changed;
}

/**
 * After answers changed on these local dates: the weekly pain warnings of their weeks (and of the
 * following week, whose 7-day windows reach back over them) are re-evaluated.
 */
export async function enqueuePainRecomputes(deps: { enqueue: Enqueue }, runnerId: string, dates: readonly string[]): Promise<void> {
  const weeks = new Set<string>();
  for (const d of dates) {
    weeks.add(isoWeekOf(d).week);
    weeks.add(isoWeekOf(addDays(d, 6)).week);
  }
  for (const week of [...weeks].sort()) await deps.enqueue('week.recompute', { runnerId, week });
}

export interface RunWithLight {
  activityId: string;
  localDate: string;
  /** null: grey (unanswered or incomplete) */
  light: 'green' | 'amber' | 'red' | null;
  /** worst knee pain during the run, 0–10 */
  painDuring: number | null;
  /** worst calf/Achilles pain during the run, 0–10 (asked while a gait goal is active) */
  calfPain: number | null;
  /** the next morning was worse than the morning before (null: not known) */
  morningWorse: boolean | null;
}

/** Counted runs of a runner with their light, oldest first (runs never answered are grey → null). */
export async function listRunsWithLight(deps: { db: Db }, runnerId: string, range: { from?: string; to?: string } = {}): Promise<RunWithLight[]> {
  const rows = await listCountedRunsWithPain(deps.db, runnerId, range);
  return rows.map((r) => ({
    activityId: r.activityId,
    localDate: r.localDate!,
    light: !r.light || r.light === 'grey' ? null : r.light,
    painDuring: r.painDuring ?? null,
    calfPain: r.calfPain ?? null,
    morningWorse: r.derived?.morningWorse ?? null,
  }));
}
