import type { Db } from '../db/client.js';
import { findRunner } from '../db/queries/runners.js';
import { findActiveGoal } from '../db/queries/cadence.js';
import { resolveWarningsExcept, upsertOpenWarning } from '../db/queries/warnings.js';
import { firstRunDate, loadWeekLacking, loadWeekRuns, saveWeek } from '../db/queries/weeks.js';
import { localDateOf, parseIsoWeek } from '../domain/iso-week.js';
import { evaluateWeek, evaluationWindow, type WeekEvaluation } from '../domain/rules/index.js';
import { oneWarningPerCode, storedEvidence } from '../domain/rules/warnings.js';
import type { Enqueue } from '../jobs/queues.js';
import { enqueueNotification, recordNotification } from './notify.js';
import { assessPainWeek, NOT_ALL_GREEN_NOTE } from './pain/warnings.js';

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
  const weekRange = parseIsoWeek(week);
  const [runs, historyStartDate, goal, lacking] = await Promise.all([
    loadWeekRuns(deps.db, runnerId, window.from, window.to),
    firstRunDate(deps.db, runnerId),
    findActiveGoal(deps.db, runnerId),
    loadWeekLacking(deps.db, runnerId, weekRange.start, weekRange.end),
  ]);
  const now = deps.now();
  const todayLocalDate = localDateOf(now, null, runner.timezone);
  const pain = await assessPainWeek(deps.db, runnerId, weekRange, todayLocalDate);
  const evaluation = evaluateWeek({
    week,
    runs,
    todayLocalDate,
    historyStartDate,
    cadenceGoalStartDate: goal?.startDate ?? null,
  });
  const hasRuns = evaluation.variables.runs > 0 || lacking.length > 0;
  const sources: Record<string, number> = {};
  for (const r of runs) if (r.localDate >= weekRange.start && r.localDate <= weekRange.end && r.source) sources[r.source] = (sources[r.source] ?? 0) + 1;

  const pushes = await deps.db.transaction(async (tx) => {
    const values = {
      runnerId,
      week: evaluation.week,
      startDate: evaluation.start,
      endDate: evaluation.end,
      complete: evaluation.complete,
      status: evaluation.status,
      variables: evaluation.variables,
      changePct: evaluation.changePct,
      changed: evaluation.changed as string[],
      details: {
        statusMessage: evaluation.statusMessage,
        priorWeeksOfData: evaluation.priorWeeksOfData,
        frequencyRedistributed: evaluation.frequencyRedistributed,
        load: evaluation.load,
        light: pain.light,
        greenStreak: pain.greenStreak,
        lacking,
        sources,
      },
      computedAt: now,
      updatedAt: now,
    };
    await saveWeek(tx, values, { create: hasRuns });

    // A week with an amber or red run never gets progression advice: load warnings say to hold.
    const load = evaluation.warnings.map((w) => (w.code === 'LOAD_JUMP' && pain.notAllGreen ? { ...w, message: `${w.message} ${NOT_ALL_GREEN_NOTE}` } : w));
    const fired = oneWarningPerCode([...load, ...pain.warnings]);
    const toPush: string[] = [];
    for (const w of fired) {
      const evidence = storedEvidence(w);
      const id = await upsertOpenWarning(
        tx,
        { runnerId, week: evaluation.week, code: w.code },
        { severity: w.severity, provisional: w.provisional, message: w.message, evidence },
        now,
      );
      const notificationId = await recordNotification(tx, {
        runnerId,
        kind: 'warning.raised',
        subjectId: id,
        payload: { warningId: id, week: evaluation.week, code: w.code, severity: w.severity, provisional: w.provisional, message: w.message, evidence },
      });
      if (notificationId) toPush.push(notificationId);
    }
    const resolved = await resolveWarningsExcept(
      tx,
      runnerId,
      evaluation.week,
      fired.map((w) => w.code),
      now,
    );
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
