import { and, eq, inArray, lte, sql } from 'drizzle-orm';
import type { AppDeps } from '../../deps.js';
import type { DbOrTx } from '../../db/client.js';
import { findRunner, type RunnerRow } from '../../db/queries/runners.js';
import { activities, activityMetrics, painPrompts, runners as runnersTable, runPain, type PromptKind } from '../../db/schema/index.js';
import { addDays } from '../../domain/iso-week.js';
import { localClock, planMorning, planRunPrompts, type PlannedPrompt, type PromptSettings } from '../../domain/pain/schedule.js';
import { newPromptToken } from './tokens.js';

export type ScheduleDeps = Pick<AppDeps, 'db' | 'enqueue' | 'now' | 'env'>;

export function settingsOf(runner: RunnerRow): PromptSettings {
  return { timezone: runner.timezone, morningPromptTime: runner.morningPromptTime, quietStart: runner.quietStart, quietEnd: runner.quietEnd };
}

/** Queue the delayed job that sends a prompt event at its time (the sweep recovers it if lost). */
export async function enqueuePromptSend(deps: Pick<AppDeps, 'enqueue' | 'now'>, p: { id: string; dueAt: Date; attempt: number }, event: 'due' | 'reminder', at: Date): Promise<void> {
  await deps.enqueue('prompt.send', { promptId: p.id, event, attempt: p.attempt }, { delayMs: Math.max(0, at.getTime() - deps.now().getTime()) });
}

const PENDING = ['pending', 'sent'] as const;

/** Cancel the open prompts of these activities (deleted run, a run that became a ride, disconnect). */
export async function cancelPromptsFor(db: DbOrTx, activityIds: readonly string[], reason: string, now: Date): Promise<number> {
  if (activityIds.length === 0) return 0;
  const rows = await db
    .update(painPrompts)
    .set({ status: 'cancelled', cancelReason: reason, updatedAt: now })
    .where(and(inArray(painPrompts.activityId, [...activityIds]), inArray(painPrompts.status, [...PENDING])))
    .returning({ id: painPrompts.id });
  return rows.length;
}

/**
 * Move prompts and pain answers from a copy that is no longer counted to the counted copy of the
 * same run (the same run from two sources), so a run keeps exactly one prompt set.
 */
async function movePromptsToCountedCopy(db: DbOrTx, fromId: string, toId: string, now: Date): Promise<void> {
  await db.execute(sql`
    update pain_prompts p set activity_id = ${toId}, updated_at = ${now}
    where p.activity_id = ${fromId}
      and not exists (select 1 from pain_prompts q where q.activity_id = ${toId} and q.kind = p.kind)`);
  await db.execute(sql`update pain_prompts set status = 'cancelled', cancel_reason = 'duplicate', updated_at = ${now} where activity_id = ${fromId} and status in ('pending', 'sent')`);
  await db.execute(sql`
    update run_pain set activity_id = ${toId}, updated_at = ${now}
    where activity_id = ${fromId} and not exists (select 1 from run_pain r where r.activity_id = ${toId})`);
}

async function insertPrompt(
  deps: ScheduleDeps,
  values: { runnerId: string; activityId: string | null; kind: PromptKind; localDate: string; runEndAt: Date | null; plan: PlannedPrompt; attempt?: number },
): Promise<{ id: string; dueAt: Date; attempt: number } | null> {
  const t = newPromptToken(deps.env.tokenEncryptionKey);
  const [row] = await deps.db
    .insert(painPrompts)
    .values({
      runnerId: values.runnerId,
      activityId: values.activityId,
      kind: values.kind,
      localDate: values.localDate,
      runEndAt: values.runEndAt,
      dueAt: values.plan.dueAt,
      remindAt: values.plan.remindAt,
      expiresAt: values.plan.expiresAt,
      attempt: values.attempt ?? 1,
      tokenHash: t.hash,
      tokenEnc: t.enc,
    })
    .onConflictDoNothing()
    .returning({ id: painPrompts.id, dueAt: painPrompts.dueAt, attempt: painPrompts.attempt });
  return row ?? null;
}

export type ScheduleOutcome = 'scheduled' | 'exists' | 'backfill' | 'not_counted' | 'not_ready' | 'missing';

/**
 * Schedule the prompts of a run that became ready: once per counted run, whatever arrives twice
 * (re-upload, re-derive, update, the same run from two sources). A copy that is not counted hands its
 * prompts to the counted copy, or cancels them (a ride, noise). Runs that ended more than 12 h before
 * they arrived get none. The next-morning prompt is shared by a day's runs and belongs to the later run.
 */
export async function schedulePromptsForRun(deps: ScheduleDeps, activityId: string): Promise<ScheduleOutcome> {
  const [row] = await deps.db
    .select({ a: activities, elapsedTimeS: activityMetrics.elapsedTimeS })
    .from(activities)
    .leftJoin(activityMetrics, eq(activityMetrics.activityId, activities.id))
    .where(eq(activities.id, activityId));
  if (!row) return 'missing';
  const a = row.a;
  const now = deps.now();
  if (a.status !== 'ready') return 'not_ready';
  if (!a.countedInLoad) {
    if (a.duplicateOf) {
      await movePromptsToCountedCopy(deps.db, a.id, a.duplicateOf, now);
      return schedulePromptsForRun(deps, a.duplicateOf);
    }
    await cancelPromptsFor(deps.db, [a.id], a.isRun ? 'not_counted' : 'not_a_run', now);
    return 'not_counted';
  }
  // Copies that now point at this one hand over what they had.
  const copies = await deps.db.select({ id: activities.id }).from(activities).where(eq(activities.duplicateOf, a.id));
  for (const c of copies) await movePromptsToCountedCopy(deps.db, c.id, a.id, now);

  if (!a.startTime || !a.localDate) return 'not_ready';
  const runner = await findRunner(deps.db, a.runnerId);
  if (!runner) return 'missing';
  const runEnd = new Date(a.startTime.getTime() + (row.elapsedTimeS ?? 0) * 1000);
  const settings = settingsOf(runner);
  await deps.db.insert(runPain).values({ activityId: a.id, runnerId: a.runnerId, localDate: a.localDate }).onConflictDoNothing();
  const plan = planRunPrompts({ runEnd, runLocalDate: a.localDate, arrivedAt: a.createdAt, now, settings });
  if (!plan) return 'backfill';

  let created = false;
  if (plan.afterRun) {
    const p = await insertPrompt(deps, { runnerId: a.runnerId, activityId: a.id, kind: 'after_run', localDate: a.localDate, runEndAt: runEnd, plan: plan.afterRun });
    if (p) {
      created = true;
      await enqueuePromptSend(deps, p, 'due', p.dueAt);
    }
  }
  if (plan.nextMorning) {
    const m = plan.nextMorning;
    const t = newPromptToken(deps.env.tokenEncryptionKey);
    // One morning prompt per runner and date: a later run of the same day takes it over; a rest-day check becomes it.
    const [p] = await deps.db
      .insert(painPrompts)
      .values({ runnerId: a.runnerId, activityId: a.id, kind: 'next_morning', localDate: m.localDate, runEndAt: runEnd, dueAt: m.dueAt, remindAt: m.remindAt, expiresAt: m.expiresAt, tokenHash: t.hash, tokenEnc: t.enc })
      .onConflictDoUpdate({
        target: [painPrompts.runnerId, painPrompts.localDate],
        targetWhere: sql`${painPrompts.kind} in ('next_morning', 'rest_morning')`,
        set: { activityId: a.id, kind: 'next_morning', runEndAt: runEnd, updatedAt: now },
        setWhere: sql`${painPrompts.kind} = 'rest_morning' or ${painPrompts.activityId} is null or ${painPrompts.runEndAt} is null or ${painPrompts.runEndAt} < ${runEnd}`,
      })
      .returning({ id: painPrompts.id, dueAt: painPrompts.dueAt, attempt: painPrompts.attempt, createdAt: painPrompts.createdAt, status: painPrompts.status });
    if (p && p.status === 'pending') {
      created = true;
      await enqueuePromptSend(deps, p, 'due', p.dueAt);
    }
  }
  return created ? 'scheduled' : 'exists';
}

/**
 * Rest-day morning checks for runners who opted in: the one-question prompt of their next morning
 * (today's, if it is still open), unless a next-morning prompt already covers that date.
 */
export async function planRestMornings(deps: ScheduleDeps): Promise<number> {
  const runners = await deps.db.select().from(runnersTable).where(eq(runnersTable.restDayCheck, true));
  const now = deps.now();
  let created = 0;
  for (const r of runners) {
    const settings = settingsOf(r);
    const today = localClock(now, r.timezone).date;
    for (const date of [today, addDays(today, 1)]) {
      const plan = planMorning(date, settings);
      if (plan.expiresAt.getTime() <= now.getTime()) continue;
      const p = await insertPrompt(deps, { runnerId: r.id, activityId: null, kind: 'rest_morning', localDate: date, runEndAt: null, plan });
      if (p) {
        created++;
        await enqueuePromptSend(deps, p, 'due', p.dueAt);
      }
    }
  }
  return created;
}

/** Prompts whose send job should have run: due and unsent, or reminder time reached. */
export async function duePrompts(db: DbOrTx, now: Date) {
  const due = await db
    .select({ id: painPrompts.id, attempt: painPrompts.attempt })
    .from(painPrompts)
    .where(and(eq(painPrompts.status, 'pending'), lte(painPrompts.dueAt, now), sql`${painPrompts.expiresAt} > ${now}`));
  const reminders = await db
    .select({ id: painPrompts.id, attempt: painPrompts.attempt })
    .from(painPrompts)
    .where(and(eq(painPrompts.status, 'sent'), lte(painPrompts.remindAt, now), sql`${painPrompts.remindedAt} is null`, sql`${painPrompts.expiresAt} > ${now}`));
  return { due, reminders };
}
