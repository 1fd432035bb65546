import type { AppDeps } from '../../deps.js';
import type { DbOrTx } from '../../db/client.js';
import type { RunnerRow } from '../../db/queries/runners.js';
import {
  cancelOpenPrompts,
  findDuePrompts,
  findPlannedPrompts,
  insertPrompt,
  loadRunToSchedule,
  movePromptsToCopy,
  restDayCheckRunners,
  updatePrompt,
  writeRunPrompts,
  type PromptJobRef,
  type PromptRow,
} from '../../db/queries/pain-prompts.js';
import { insertRunPain } from '../../db/queries/run-pain.js';
import { addDays } from '../../domain/iso-week.js';
import { localClock, planMorning, planRunPrompts, replanPrompt, samePlan, type PromptSettings } from '../../domain/pain/schedule.js';
import { jobIdOf } from '../../jobs/queues.js';
import { JOBS } from '../../jobs/catalog.js';
import { newPromptToken } from './tokens.js';

export type ScheduleDeps = Pick<AppDeps, 'db' | 'enqueue' | 'now' | 'env'>;

export function settingsOf(runner: Pick<RunnerRow, 'timezone' | 'morningPromptTime' | 'quietStart' | 'quietEnd'>): PromptSettings {
  return { timezone: runner.timezone, morningPromptTime: runner.morningPromptTime, quietStart: runner.quietStart, quietEnd: runner.quietEnd };
}

/** Queue the delayed job that sends a prompt event at its time (the sweep recovers it if lost). */
export async function enqueuePromptSend(
  deps: Pick<AppDeps, 'enqueue' | 'now'>,
  p: { id: string; attempt: number },
  event: 'due' | 'reminder',
  at: Date,
): Promise<void> {
  await deps.enqueue('prompt.send', { promptId: p.id, event, attempt: p.attempt }, { delayMs: Math.max(0, at.getTime() - deps.now().getTime()) });
}

/** Cancel the open prompts of these activities (deleted run, a run that became a ride, disconnect). */
export async function cancelPromptsFor(db: DbOrTx, activityIds: readonly string[], reason: string, now: Date): Promise<number> {
  return cancelOpenPrompts(db, activityIds, reason, now);
}

export type ScheduleOutcome = 'scheduled' | 'exists' | 'backfill' | 'not_counted' | 'not_ready' | 'missing';

/**
 * Schedule the prompts of a run that became ready: once per counted run, whatever arrives twice
 * (re-upload, re-derive, update, the same run from two sources). A copy that is not counted hands its
 * prompts to the counted copy, or cancels them (a ride, noise). Runs that ended more than 12 h before
 * they arrived get none. The next-morning prompt is shared by a day's runs and belongs to the later run.
 *
 * Round trips for a new run: one read (the run, its runner's settings and what is planned already),
 * one write (pain row and both prompts in one statement) and the two send jobs queued together. A run
 * whose prompts are all in place (a re-derive, a duplicate webhook) stops after the read. Exactly one
 * prompt set per run does not rest on that read: the unique indexes of `pain_prompts` decide.
 */
export async function schedulePromptsForRun(deps: ScheduleDeps, activityId: string): Promise<ScheduleOutcome> {
  const a = await loadRunToSchedule(deps.db, activityId);
  if (!a) return 'missing';
  const now = deps.now();
  if (a.status !== 'ready') return 'not_ready';
  if (!a.countedInLoad) {
    if (a.duplicateOf) {
      await movePromptsToCopy(deps.db, a.id, a.duplicateOf, now);
      return schedulePromptsForRun(deps, a.duplicateOf);
    }
    await cancelPromptsFor(deps.db, [a.id], a.isRun ? 'not_counted' : 'not_a_run', now);
    return 'not_counted';
  }
  // Copies that now point at this one hand over what they had.
  for (const c of a.copies) await movePromptsToCopy(deps.db, c, a.id, now);

  if (!a.startTime || !a.localDate) return 'not_ready';
  const runEnd = new Date(a.startTime.getTime() + (a.elapsedTimeS ?? 0) * 1000);
  const run = { activityId: a.id, runnerId: a.runnerId, localDate: a.localDate, runEndAt: runEnd };
  const plan = planRunPrompts({ runEnd, runLocalDate: a.localDate, arrivedAt: a.createdAt, now, settings: settingsOf(a) });
  if (!plan) {
    if (!a.hasRunPain) await insertRunPain(deps.db, run);
    return 'backfill';
  }

  const afterRun = plan.afterRun && !a.hasAfterRun ? plan.afterRun : null;
  // The morning prompt is this run's already, or a later run of the day has it: nothing would change.
  const morningSettled =
    a.morningKind === 'next_morning' && a.morningActivityId !== null && a.morningRunEndAt !== null && a.morningRunEndAt.getTime() >= runEnd.getTime();
  const nextMorning = plan.nextMorning && !morningSettled ? plan.nextMorning : null;
  if (!afterRun && !nextMorning && a.hasRunPain) return 'exists';

  const key = deps.env.tokenEncryptionKey;
  const written = await writeRunPrompts(
    deps.db,
    run,
    afterRun ? { times: afterRun, token: newPromptToken(key) } : null,
    nextMorning ? { localDate: nextMorning.localDate, times: nextMorning, token: newPromptToken(key) } : null,
    now,
  );
  await Promise.all(written.map((p) => enqueuePromptSend(deps, p, 'due', p.dueAt)));
  return written.length ? 'scheduled' : 'exists';
}

/**
 * Rest-day morning checks for runners who opted in (or one runner): the one-question prompt of their
 * next morning (today's, if it is still open), unless a next-morning prompt already covers that date.
 */
export async function planRestMornings(deps: ScheduleDeps, runnerId?: string): Promise<number> {
  const runners = await restDayCheckRunners(deps.db, runnerId);
  const now = deps.now();
  let created = 0;
  for (const r of runners) {
    const settings = settingsOf(r);
    const today = localClock(now, r.timezone).date;
    for (const date of [today, addDays(today, 1)]) {
      const plan = planMorning(date, settings);
      if (plan.expiresAt.getTime() <= now.getTime()) continue;
      const p = await insertPrompt(deps.db, {
        runnerId: r.id,
        activityId: null,
        kind: 'rest_morning',
        localDate: date,
        runEndAt: null,
        times: plan,
        token: newPromptToken(deps.env.tokenEncryptionKey),
      });
      if (p) {
        created++;
        await enqueuePromptSend(deps, p, 'due', p.dueAt);
      }
    }
  }
  return created;
}

/** Prompts whose send job should have run: due and unsent, or reminder time reached. */
export const duePrompts = findDuePrompts;

/** A send job to move after its prompt was re-timed: `at` null removes it. */
export interface SendJobMove {
  prompt: PromptJobRef;
  event: 'due' | 'reminder';
  at: Date | null;
}

/**
 * After the runner's zone, morning time, quiet hours or rest-day check changed: the open prompts get
 * the times the new settings give them (docs/pain.md, Runner settings). Prompts not yet sent move
 * whole; sent ones only their reminder; a settle check now in quiet hours and, when the rest-day check
 * was turned off, rest-day checks not yet sent are cancelled. Returns the send jobs to move once the
 * change is committed.
 */
export async function retimePlannedPrompts(db: DbOrTx, runner: RunnerRow, now: Date): Promise<{ retimed: number; cancelled: number; jobs: SendJobMove[] }> {
  const settings = settingsOf(runner);
  const open = await findPlannedPrompts(db, runner.id);
  const jobs: SendJobMove[] = [];
  let retimed = 0;
  let cancelled = 0;
  const cancel = async (p: PromptRow, reason: string) => {
    if (await updatePrompt(db, p.id, { status: 'cancelled', cancelReason: reason, updatedAt: now }, { attempt: p.attempt, statuses: ['pending'] })) {
      cancelled++;
      jobs.push({ prompt: p, event: 'due', at: null });
    }
  };
  for (const p of open) {
    const sent = p.status === 'sent';
    if (p.kind === 'rest_morning' && !runner.restDayCheck && !sent) {
      await cancel(p, 'opted_out');
      continue;
    }
    if (sent && (p.remindedAt || !p.remindAt)) continue;
    const r = replanPrompt(
      { kind: p.kind, localDate: p.localDate, runEndAt: p.runEndAt, attempt: p.attempt, sent, dueAt: p.dueAt, expiresAt: p.expiresAt },
      now,
      settings,
    );
    if (!r) continue;
    if ('cancel' in r) {
      await cancel(p, r.cancel);
      continue;
    }
    if (samePlan(r.times, p)) continue;
    const row = await updatePrompt(
      db,
      p.id,
      { dueAt: r.times.dueAt, remindAt: r.times.remindAt, expiresAt: r.times.expiresAt, updatedAt: now },
      { attempt: p.attempt, statuses: [p.status] },
    );
    if (!row) continue;
    retimed++;
    if (sent) jobs.push({ prompt: row, event: 'reminder', at: row.remindAt });
    else jobs.push({ prompt: row, event: 'due', at: row.dueAt });
  }
  return { retimed, cancelled, jobs };
}

/**
 * Move the delayed send jobs of re-timed prompts: the old job is removed (unless it is running right
 * now; it then reads the new times and stops as not due) and one is queued at the new time. A job that
 * cannot be moved is left to the sweep, which queues any due prompt whose job is gone or finished.
 */
export async function moveSendJobs(deps: Pick<AppDeps, 'enqueue' | 'now' | 'queues' | 'log'>, moves: readonly SendJobMove[]): Promise<void> {
  const queue = deps.queues[JOBS['prompt.send'].queue];
  for (const m of moves) {
    const payload = { promptId: m.prompt.id, event: m.event, attempt: m.prompt.attempt };
    try {
      const job = await queue.getJob(jobIdOf('prompt.send', payload)!);
      if (job && (await job.getState()) !== 'active') await job.remove();
      if (m.at) await enqueuePromptSend(deps, m.prompt, m.event, m.at);
    } catch (err) {
      deps.log.warn({ err, promptId: m.prompt.id, event: m.event }, 'pain prompt send job not moved; the sweep sends it when due');
    }
  }
}
