import { and, eq, gte, inArray, sql } from 'drizzle-orm';
import type { AppDeps } from '../../deps.js';
import type { Db, DbOrTx } from '../../db/client.js';
import { findRunner } from '../../db/queries/runners.js';
import { activities, painAnswers, painMornings, painPrompts, runPain } from '../../db/schema/index.js';
import { addDays } from '../../domain/iso-week.js';
import { needsSettleCheck } from '../../domain/pain/derived.js';
import { planSettleCheck } from '../../domain/pain/schedule.js';
import { AppError, NotFoundError } from '../../lib/errors.js';
import { parseInput } from '../../http/validate.js';
import { answerSchema, type PromptAnswer } from '../prompts/questions.js';
import { enqueuePromptSend, settingsOf } from '../prompts/schedule.js';
import { newPromptToken } from '../prompts/tokens.js';
import { isGaitGoalActive } from './gait.js';
import { enqueuePainRecomputes, refreshRunLights } from './lights.js';

export type AnswerDeps = Pick<AppDeps, 'db' | 'enqueue' | 'now' | 'env'>;
type PromptRow = typeof painPrompts.$inferSelect;

/** Answers may be changed until the prompt closed plus this. */
export const EDIT_WINDOW_MS = 24 * 3600_000;

export class PromptClosedError extends AppError {
  constructor(message: string, code = 'prompt_closed') {
    super(410, code, message);
  }
}

/** Whether the answer page/API still takes (or changes) answers for this prompt, and whether they are late. */
export function promptWindow(p: Pick<PromptRow, 'status' | 'expiresAt'>, now: Date): { open: boolean; late: boolean; reason?: 'cancelled' | 'closed' } {
  if (p.status === 'cancelled') return { open: false, late: false, reason: 'cancelled' };
  if (now.getTime() > p.expiresAt.getTime() + EDIT_WINDOW_MS) return { open: false, late: true, reason: 'closed' };
  return { open: true, late: now.getTime() > p.expiresAt.getTime() };
}

export async function askCalfFor(deps: { db: Db }, p: Pick<PromptRow, 'kind' | 'runnerId' | 'localDate'>): Promise<boolean> {
  return p.kind === 'after_run' && p.localDate ? isGaitGoalActive(deps, p.runnerId, p.localDate) : false;
}

/** Validate an answer for a prompt's kind (422 naming the field). */
export async function parseAnswer(deps: { db: Db }, p: PromptRow, input: unknown): Promise<PromptAnswer> {
  return parseInput(answerSchema(p.kind, { askCalf: await askCalfFor(deps, p) }), input) as PromptAnswer;
}

/** Morning pain of a date: the latest answer wins (next morning, rest day or diary). */
async function setMorning(db: DbOrTx, runnerId: string, localDate: string, pain: number, source: string, now: Date): Promise<void> {
  await db
    .insert(painMornings)
    .values({ runnerId, localDate, pain, source })
    .onConflictDoUpdate({ target: [painMornings.runnerId, painMornings.localDate], set: { pain, source, updatedAt: now } });
}

async function ensureRunPain(db: DbOrTx, activityId: string): Promise<boolean> {
  const [a] = await db.select({ runnerId: activities.runnerId, localDate: activities.localDate }).from(activities).where(eq(activities.id, activityId));
  if (!a?.localDate) return false;
  await db.insert(runPain).values({ activityId, runnerId: a.runnerId, localDate: a.localDate }).onConflictDoNothing();
  return true;
}

/**
 * Record (or change) the answer to one prompt: stored as given, merged into the run's pain record,
 * lights of the touched days recomputed, and the weeks' pain warnings re-evaluated. A post-run answer
 * with "now" above "before" plans the settle check; a "not yet" at the first check asks again later.
 */
export async function recordAnswer(deps: AnswerDeps, promptId: string, input: unknown, opts: { via: 'page' | 'api' }): Promise<{ prompt: PromptRow; answer: PromptAnswer; late: boolean }> {
  const [p] = await deps.db.select().from(painPrompts).where(eq(painPrompts.id, promptId));
  if (!p) throw new NotFoundError(`prompt ${promptId} not found`, 'prompt_not_found');
  const now = deps.now();
  const window = promptWindow(p, now);
  if (!window.open) throw new PromptClosedError(window.reason === 'cancelled' ? 'this prompt was withdrawn (its run was deleted or is not counted)' : 'this prompt has closed; use the diary to record pain for the run');
  const answer = await parseAnswer(deps, p, input);
  const late = window.late;
  const dates = new Set<string>();

  await deps.db.transaction(async (tx) => {
    const values = {
      promptId: p.id,
      runnerId: p.runnerId,
      activityId: p.activityId,
      kind: p.kind,
      painDuring: answer.duringRun ?? null,
      painNow: p.kind === 'after_run' ? (answer.painNow ?? null) : (answer.nextMorning ?? null),
      painBefore: answer.painBefore ?? null,
      stoppedForKnee: answer.stoppedForKnee ?? null,
      calfDuring: answer.calfDuring ?? null,
      settled: answer.settled === undefined ? null : answer.settled === 'yes',
      vsYesterday: answer.nextMorningVsYesterday ?? null,
      stairsOrSittingWorse: answer.stairsOrSittingWorse ?? null,
      note: answer.note ?? null,
      via: opts.via,
      late,
      answeredAt: now,
      updatedAt: now,
    };
    await tx.insert(painAnswers).values(values).onConflictDoUpdate({ target: painAnswers.promptId, set: values });
    await tx.update(painPrompts).set({ status: 'answered', answeredAt: now, late, updatedAt: now }).where(eq(painPrompts.id, p.id));

    if (p.kind === 'after_run' && p.activityId && (await ensureRunPain(tx, p.activityId))) {
      const after = p.runEndAt ? Math.max(0, Math.round((now.getTime() - p.runEndAt.getTime()) / 60_000)) : null;
      await tx
        .update(runPain)
        .set({
          duringRun: answer.duringRun ?? null,
          painNow: answer.painNow ?? null,
          painBefore: answer.painBefore ?? null,
          stoppedForKnee: answer.stoppedForKnee ?? null,
          calfDuring: answer.calfDuring ?? null,
          answeredAfterMin: after,
          ...(answer.note ? { note: answer.note } : {}),
          late: sql`${runPain.late} or ${late}`,
          updatedAt: now,
        })
        .where(eq(runPain.activityId, p.activityId));
      if (p.localDate) dates.add(p.localDate);
    }
    if (p.kind === 'settle_check' && p.activityId && (await ensureRunPain(tx, p.activityId))) {
      const settled = answer.settled === 'yes';
      await tx
        .update(runPain)
        .set(p.attempt === 1 ? { settledAt60: settled, updatedAt: now } : { settledAt120: settled, updatedAt: now })
        .where(eq(runPain.activityId, p.activityId));
      if (p.localDate) dates.add(p.localDate);
    }
    if ((p.kind === 'next_morning' || p.kind === 'rest_morning') && p.localDate && answer.nextMorning !== undefined) {
      await setMorning(tx, p.runnerId, p.localDate, answer.nextMorning, p.kind, now);
      dates.add(p.localDate);
      const runDate = addDays(p.localDate, -1);
      dates.add(runDate);
      if (p.kind === 'next_morning') {
        // One next-morning answer covers every counted run of the day before.
        const runs = await tx
          .select({ id: activities.id })
          .from(activities)
          .where(and(eq(activities.runnerId, p.runnerId), eq(activities.localDate, runDate), eq(activities.countedInLoad, true)));
        const ids = [...new Set([...runs.map((r) => r.id), ...(p.activityId ? [p.activityId] : [])])];
        for (const id of ids) await ensureRunPain(tx, id);
        if (ids.length)
          await tx
            .update(runPain)
            .set({
              nextMorning: answer.nextMorning,
              nextMorningVsYesterday: answer.nextMorningVsYesterday ?? null,
              stairsOrSittingWorse: answer.stairsOrSittingWorse ?? null,
              late: sql`${runPain.late} or ${late}`,
              updatedAt: now,
            })
            .where(inArray(runPain.activityId, ids));
      }
    }
  });

  await planFollowUp(deps, p, answer, now);
  await refreshRunLights(deps.db, p.runnerId, [...dates], now);
  await enqueuePainRecomputes(deps, p.runnerId, [...dates]);
  const [fresh] = await deps.db.select().from(painPrompts).where(eq(painPrompts.id, p.id));
  return { prompt: fresh!, answer, late };
}

/** The settle check after a post-run answer, or its second ask after a "not yet". */
async function planFollowUp(deps: AnswerDeps, p: PromptRow, answer: PromptAnswer, now: Date): Promise<void> {
  if (!p.activityId || !p.runEndAt || !p.localDate) return;
  const runner = await findRunner(deps.db, p.runnerId);
  if (!runner) return;
  const [morning] = await deps.db
    .select({ dueAt: painPrompts.dueAt })
    .from(painPrompts)
    .where(and(eq(painPrompts.runnerId, p.runnerId), eq(painPrompts.kind, 'next_morning'), eq(painPrompts.localDate, addDays(p.localDate, 1))));
  const closesAt = morning?.dueAt ?? p.expiresAt;
  if (p.kind === 'after_run') {
    const [existing] = await deps.db.select().from(painPrompts).where(and(eq(painPrompts.activityId, p.activityId), eq(painPrompts.kind, 'settle_check')));
    if (!needsSettleCheck(answer)) {
      if (existing && existing.status === 'pending') await deps.db.update(painPrompts).set({ status: 'cancelled', cancelReason: 'not_needed', updatedAt: now }).where(eq(painPrompts.id, existing.id));
      return;
    }
    if (existing) return;
    const plan = planSettleCheck({ runEnd: p.runEndAt, answeredAt: now, attempt: 1, closesAt, settings: settingsOf(runner) });
    if (!plan) return;
    const t = newPromptToken(deps.env.tokenEncryptionKey);
    const [row] = await deps.db
      .insert(painPrompts)
      .values({ runnerId: p.runnerId, activityId: p.activityId, kind: 'settle_check', localDate: p.localDate, runEndAt: p.runEndAt, dueAt: plan.dueAt, remindAt: null, expiresAt: plan.expiresAt, tokenHash: t.hash, tokenEnc: t.enc })
      .onConflictDoNothing()
      .returning();
    if (row) await enqueuePromptSend(deps, row, 'due', row.dueAt);
  } else if (p.kind === 'settle_check' && p.attempt === 1 && answer.settled === 'not_yet') {
    const plan = planSettleCheck({ runEnd: p.runEndAt, answeredAt: now, attempt: 2, closesAt, settings: settingsOf(runner) });
    if (!plan) return;
    const [row] = await deps.db
      .update(painPrompts)
      .set({ attempt: 2, status: 'pending', dueAt: plan.dueAt, expiresAt: plan.expiresAt, sentAt: null, answeredAt: null, updatedAt: now })
      .where(and(eq(painPrompts.id, p.id), eq(painPrompts.attempt, 1)))
      .returning();
    if (row) await enqueuePromptSend(deps, row, 'due', row.dueAt);
  }
}

/**
 * For the cadence goal: the worst calf/Achilles pain and whether any next morning was worse, over
 * the counted runs since a local date.
 */
export async function calfOrMorningFlag(deps: { db: Db }, runnerId: string, sinceLocalDate: string): Promise<{ calfPainMax: number | null; morningWorse: boolean }> {
  const rows = await deps.db
    .select({ calf: runPain.calfDuring, derived: runPain.derived })
    .from(runPain)
    .where(and(eq(runPain.runnerId, runnerId), gte(runPain.localDate, sinceLocalDate)));
  const calf = rows.map((r) => r.calf).filter((v): v is number => v !== null);
  return { calfPainMax: calf.length ? Math.max(...calf) : null, morningWorse: rows.some((r) => (r.derived as { morningWorse?: boolean } | null)?.morningWorse === true) };
}
