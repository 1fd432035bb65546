import { and, eq, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { findActiveCadenceGoal, findRunner } from '../db/queries/runners.js';
import { firstRunDate, loadWeekRuns } from '../db/queries/weeks.js';
import { warnings, weeks } from '../db/schema/index.js';
import { localDateOf, parseIsoWeek } from '../domain/iso-week.js';
import { evaluateWeek, evaluationWindow, type WeekEvaluation, type WeekWarning } from '../domain/rules/index.js';
import type { Enqueue } from '../jobs/queues.js';
import { enqueueNotification, recordNotification } from './notify.js';
import { assessPainWeek, NOT_ALL_GREEN_NOTE } from './pain/warnings.js';

const SEVERITY_RANK: Record<string, number> = { red: 2, amber: 1 };

/**
 * The store keeps one warning per runner/week/code, so several findings of one code (two long runs
 * in a week) become one: the most severe leads (its message and evidence), the others are listed.
 */
export function oneWarningPerCode(warnings: readonly WeekWarning[]): WeekWarning[] {
  const byCode = new Map<string, WeekWarning[]>();
  for (const w of warnings) byCode.set(w.code, [...(byCode.get(w.code) ?? []), w]);
  return [...byCode.values()].map((group) => {
    const [lead, ...rest] = [...group].sort((a, b) => (SEVERITY_RANK[b.severity] ?? 0) - (SEVERITY_RANK[a.severity] ?? 0));
    if (rest.length === 0) return lead!;
    const also = rest.map((w) => w.runId).filter((id): id is string => Boolean(id));
    const extra = rest.length === 1 ? ' One more run this week was flagged the same way.' : ` ${rest.length} more runs this week were flagged the same way.`;
    return { ...lead!, message: `${lead!.message}${extra}`, evidence: { ...lead!.evidence, alsoRunIds: also.join(','), findings: group.length } };
  });
}

export interface RecomputeDeps {
  db: Db;
  enqueue: Enqueue;
  now: () => Date;
  notifyConfigured: boolean;
}

/**
 * Recompute one runner-week: load only the runs the rules need (the week and the 35 days before),
 * evaluate, store the week, and reconcile its warnings — one row per runner/week/code, updated in
 * place; a code that no longer fires is resolved, not deleted. A warning is pushed once, when first
 * raised. Cost is independent of the runner's total history.
 */
export async function recomputeWeek(deps: RecomputeDeps, runnerId: string, week: string): Promise<WeekEvaluation | null> {
  const runner = await findRunner(deps.db, runnerId);
  if (!runner) return null;
  const window = evaluationWindow(week);
  const [runs, historyStartDate, goal] = await Promise.all([
    loadWeekRuns(deps.db, runnerId, window.from, window.to),
    firstRunDate(deps.db, runnerId),
    findActiveCadenceGoal(deps.db, runnerId),
  ]);
  const now = deps.now();
  const todayLocalDate = localDateOf(now, null, runner.timezone);
  const pain = await assessPainWeek(deps.db, runnerId, parseIsoWeek(week), todayLocalDate);
  const evaluation = evaluateWeek({
    week,
    runs,
    todayLocalDate,
    historyStartDate,
    cadenceGoalStartDate: goal?.startDate ?? null,
  });
  const hasRuns = evaluation.variables.runs > 0;

  const pushes = await deps.db.transaction(async (tx) => {
    const values = {
      runnerId,
      week: evaluation.week,
      startDate: evaluation.start,
      endDate: evaluation.end,
      complete: evaluation.complete,
      status: evaluation.status,
      variables: evaluation.variables as unknown as Record<string, number | null>,
      changePct: evaluation.changePct as unknown as Record<string, number | null>,
      changed: evaluation.changed as string[],
      details: { statusMessage: evaluation.statusMessage, priorWeeksOfData: evaluation.priorWeeksOfData, frequencyRedistributed: evaluation.frequencyRedistributed, load: evaluation.load, light: pain.light, greenStreak: pain.greenStreak },
      computedAt: now,
      updatedAt: now,
    };
    if (hasRuns) {
      await tx.insert(weeks).values(values).onConflictDoUpdate({ target: [weeks.runnerId, weeks.week], set: values });
    } else {
      // A week emptied by deletes keeps its row (zeros); a week that never had runs gets none.
      await tx.update(weeks).set(values).where(and(eq(weeks.runnerId, runnerId), eq(weeks.week, evaluation.week)));
    }

    // A week with an amber or red run never gets progression advice: load warnings say to hold.
    const load = evaluation.warnings.map((w) => (w.code === 'LOAD_JUMP' && pain.notAllGreen ? { ...w, message: `${w.message} ${NOT_ALL_GREEN_NOTE}` } : w));
    const fired = oneWarningPerCode([...load, ...(pain.warnings as unknown as WeekWarning[])]);
    const toPush: string[] = [];
    for (const w of fired) {
      const evidence = { ...w.evidence, weekToDate: w.weekToDate, runId: w.runId, ...(w.changed ? { changed: w.changed.join(',') } : {}) };
      const [row] = await tx
        .insert(warnings)
        .values({ runnerId, week: evaluation.week, code: w.code, status: 'open', severity: w.severity, provisional: w.provisional, message: w.message, evidence })
        .onConflictDoUpdate({
          target: [warnings.runnerId, warnings.week, warnings.code],
          set: { status: 'open', severity: w.severity, provisional: w.provisional, message: w.message, evidence, resolvedAt: null, updatedAt: now },
        })
        .returning({ id: warnings.id });
      const notificationId = await recordNotification(tx, {
        runnerId,
        kind: 'warning.raised',
        subjectId: row!.id,
        payload: { warningId: row!.id, week: evaluation.week, code: w.code, severity: w.severity, provisional: w.provisional, message: w.message, evidence },
      });
      if (notificationId) toPush.push(notificationId);
    }
    const codes = fired.map((w) => w.code);
    const resolved = await tx
      .update(warnings)
      .set({ status: 'resolved', resolvedAt: now, updatedAt: now })
      .where(
        and(
          eq(warnings.runnerId, runnerId),
          eq(warnings.week, evaluation.week),
          eq(warnings.status, 'open'),
          codes.length ? notInArray(warnings.code, codes) : sql`true`,
        ),
      )
      .returning();
    for (const r of resolved) {
      const notificationId = await recordNotification(tx, {
        runnerId,
        kind: 'warning.resolved',
        subjectId: r.id,
        payload: { warningId: r.id, week: r.week, code: r.code, severity: r.severity, message: r.message },
      });
      if (notificationId) toPush.push(notificationId);
    }
    return toPush;
  });
  for (const id of pushes) await enqueueNotification(deps, id);
  return evaluation;
}
