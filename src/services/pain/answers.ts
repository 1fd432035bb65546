import type { AppDeps } from '../../deps.js';
import type { Db } from '../../db/client.js';
import { upsertAnswer } from '../../db/queries/pain-answers.js';
import { upsertMorning } from '../../db/queries/pain-mornings.js';
import { findMorningDueAt, findPrompt, findRunPrompt, insertPrompt, updatePrompt, type PromptRow } from '../../db/queries/pain-prompts.js';
import { calfAndDerivedSince, countedRunIdsOn, ensureRunPainOf, lateOr, updateRunPain } from '../../db/queries/run-pain.js';
import { findRunner } from '../../db/queries/runners.js';
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

/**
 * Record (or change) the answer to one prompt: stored as given, merged into the run's pain record,
 * lights of the touched days recomputed, and the weeks' pain warnings re-evaluated. A post-run answer
 * with "now" above "before" plans the settle check; a "not yet" at the first check asks again later.
 */
export async function recordAnswer(
  deps: AnswerDeps,
  promptId: string,
  input: unknown,
  opts: { via: 'page' | 'api' },
): Promise<{ prompt: PromptRow; answer: PromptAnswer; late: boolean }> {
  const p = await findPrompt(deps.db, promptId);
  if (!p) throw new NotFoundError(`prompt ${promptId} not found`, 'prompt_not_found');
  const now = deps.now();
  const window = promptWindow(p, now);
  if (!window.open)
    throw new PromptClosedError(
      window.reason === 'cancelled'
        ? 'this prompt was withdrawn (its run was deleted or is not counted)'
        : 'this prompt has closed; use the diary to record pain for the run',
    );
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
    await upsertAnswer(tx, values);
    await updatePrompt(tx, p.id, { status: 'answered', answeredAt: now, late, updatedAt: now });

    if (p.kind === 'after_run' && p.activityId && (await ensureRunPainOf(tx, p.activityId))) {
      const after = p.runEndAt ? Math.max(0, Math.round((now.getTime() - p.runEndAt.getTime()) / 60_000)) : null;
      await updateRunPain(tx, p.activityId, {
        duringRun: answer.duringRun ?? null,
        painNow: answer.painNow ?? null,
        painBefore: answer.painBefore ?? null,
        stoppedForKnee: answer.stoppedForKnee ?? null,
        calfDuring: answer.calfDuring ?? null,
        answeredAfterMin: after,
        ...(answer.note ? { note: answer.note } : {}),
        late: lateOr(late),
        updatedAt: now,
      });
      if (p.localDate) dates.add(p.localDate);
    }
    if (p.kind === 'settle_check' && p.activityId && (await ensureRunPainOf(tx, p.activityId))) {
      const settled = answer.settled === 'yes';
      await updateRunPain(tx, p.activityId, p.attempt === 1 ? { settledAt60: settled, updatedAt: now } : { settledAt120: settled, updatedAt: now });
      if (p.localDate) dates.add(p.localDate);
    }
    if ((p.kind === 'next_morning' || p.kind === 'rest_morning') && p.localDate && answer.nextMorning !== undefined) {
      await upsertMorning(tx, p.runnerId, p.localDate, answer.nextMorning, p.kind, now);
      dates.add(p.localDate);
      const runDate = addDays(p.localDate, -1);
      dates.add(runDate);
      if (p.kind === 'next_morning') {
        // One next-morning answer covers every counted run of the day before.
        const ids = [...new Set([...(await countedRunIdsOn(tx, p.runnerId, runDate)), ...(p.activityId ? [p.activityId] : [])])];
        for (const id of ids) await ensureRunPainOf(tx, id);
        await updateRunPain(tx, ids, {
          nextMorning: answer.nextMorning,
          nextMorningVsYesterday: answer.nextMorningVsYesterday ?? null,
          stairsOrSittingWorse: answer.stairsOrSittingWorse ?? null,
          late: lateOr(late),
          updatedAt: now,
        });
      }
    }
  });

  await planFollowUp(deps, p, answer, now);
  await refreshRunLights(deps.db, p.runnerId, [...dates], now);
  await enqueuePainRecomputes(deps, p.runnerId, [...dates]);
  const fresh = await findPrompt(deps.db, p.id);
  return { prompt: fresh!, answer, late };
}

/** The settle check after a post-run answer, or its second ask after a "not yet". */
async function planFollowUp(deps: AnswerDeps, p: PromptRow, answer: PromptAnswer, now: Date): Promise<void> {
  if (!p.activityId || !p.runEndAt || !p.localDate) return;
  const runner = await findRunner(deps.db, p.runnerId);
  if (!runner) return;
  const closesAt = (await findMorningDueAt(deps.db, p.runnerId, addDays(p.localDate, 1))) ?? p.expiresAt;
  if (p.kind === 'after_run') {
    const existing = await findRunPrompt(deps.db, p.activityId, 'settle_check');
    if (!needsSettleCheck(answer)) {
      if (existing && existing.status === 'pending')
        await updatePrompt(deps.db, existing.id, { status: 'cancelled', cancelReason: 'not_needed', updatedAt: now });
      return;
    }
    if (existing) return;
    const plan = planSettleCheck({ runEnd: p.runEndAt, answeredAt: now, attempt: 1, closesAt, settings: settingsOf(runner) });
    if (!plan) return;
    const row = await insertPrompt(deps.db, {
      runnerId: p.runnerId,
      activityId: p.activityId,
      kind: 'settle_check',
      localDate: p.localDate,
      runEndAt: p.runEndAt,
      times: plan,
      token: newPromptToken(deps.env.tokenEncryptionKey),
    });
    if (row) await enqueuePromptSend(deps, row, 'due', row.dueAt);
  } else if (p.kind === 'settle_check' && p.attempt === 1 && answer.settled === 'not_yet') {
    const plan = planSettleCheck({ runEnd: p.runEndAt, answeredAt: now, attempt: 2, closesAt, settings: settingsOf(runner) });
    if (!plan) return;
    const row = await updatePrompt(
      deps.db,
      p.id,
      { attempt: 2, status: 'pending', dueAt: plan.dueAt, expiresAt: plan.expiresAt, sentAt: null, answeredAt: null, updatedAt: now },
      { attempt: 1 },
    );
    if (row) await enqueuePromptSend(deps, row, 'due', row.dueAt);
  }
}

/**
 * For the cadence goal: the worst calf/Achilles pain and whether any next morning was worse, over
 * the counted runs since a local date.
 */
export async function calfOrMorningFlag(
  deps: { db: Db },
  runnerId: string,
  sinceLocalDate: string,
): Promise<{ calfPainMax: number | null; morningWorse: boolean }> {
  const rows = await calfAndDerivedSince(deps.db, runnerId, sinceLocalDate);
  const calf = rows.map((r) => r.calf).filter((v): v is number => v !== null);
  return { calfPainMax: calf.length ? Math.max(...calf) : null, morningWorse: rows.some((r) => r.derived?.morningWorse === true) };
}
