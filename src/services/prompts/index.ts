import type { Db } from '../../db/client.js';
import { findAnswer, type PainAnswerRow } from '../../db/queries/pain-answers.js';
import { findPrompt, findPromptByTokenHash, listRunnerPrompts, type PromptRow } from '../../db/queries/pain-prompts.js';
import { PROMPT_STATUSES, type PromptStatus } from '../../db/schema/index.js';
import { isUuid } from '../../lib/ids.js';
import { NotFoundError } from '../../lib/errors.js';
import { hashToken, TOKEN_PATTERN } from './tokens.js';

export { schedulePromptsForRun, cancelPromptsFor } from './schedule.js';
export { sendPrompt, sweepPrompts } from './send.js';
export { PROMPT_CHANNELS, type PromptChannel } from './channels.js';
export type { PromptMessage } from './message.js';

type AnswerRow = PainAnswerRow;

export function promptView(p: PromptRow) {
  return {
    id: p.id,
    runnerId: p.runnerId,
    activityId: p.activityId,
    kind: p.kind,
    status: p.status,
    localDate: p.localDate,
    attempt: p.attempt,
    dueAt: p.dueAt.toISOString(),
    remindAt: p.remindAt?.toISOString() ?? null,
    expiresAt: p.expiresAt.toISOString(),
    sentAt: p.sentAt?.toISOString() ?? null,
    answeredAt: p.answeredAt?.toISOString() ?? null,
    late: p.late,
  };
}

export const PromptStatusFilter = PROMPT_STATUSES;

/** A runner's prompts, newest due first; `pending` means still open for an answer (not yet sent or sent). */
export async function listPrompts(deps: { db: Db }, runnerId: string, filter: { status?: PromptStatus | 'open' } = {}) {
  const rows = await listRunnerPrompts(deps.db, runnerId, filter.status && filter.status !== 'pending' && filter.status !== 'open' ? filter.status : undefined);
  const open = filter.status === 'pending' || filter.status === 'open';
  return (open ? rows.filter((r) => r.status === 'pending' || r.status === 'sent') : rows).map(promptView);
}

/** The prompt an answer link points to, with its stored answer; null for an unknown or malformed token. */
export async function findPromptByToken(deps: { db: Db }, token: string): Promise<{ prompt: PromptRow; answer: AnswerRow | null } | null> {
  if (!TOKEN_PATTERN.test(token)) return null;
  const p = await findPromptByTokenHash(deps.db, hashToken(token));
  if (!p) return null;
  return { prompt: p, answer: await findAnswer(deps.db, p.id) };
}

export async function requireRunnerPrompt(deps: { db: Db }, promptId: string): Promise<PromptRow> {
  const p = isUuid(promptId) ? await findPrompt(deps.db, promptId) : null;
  if (!p) throw promptNotFound(promptId);
  return p;
}

/** The answer for an unknown prompt (and for another runner's prompt, to a key bound to one runner). */
export function promptNotFound(promptId: string): NotFoundError {
  return new NotFoundError(`prompt ${promptId} not found`, 'prompt_not_found');
}

/** The runner owning a prompt, or undefined when there is no such prompt. */
export async function promptRunnerId(deps: { db: Db }, promptId: string): Promise<string | undefined> {
  const p = isUuid(promptId) ? await findPrompt(deps.db, promptId) : null;
  return p?.runnerId;
}

/** The stored answer to a prompt, if any. */
export async function storedAnswer(deps: { db: Db }, promptId: string): Promise<AnswerRow | null> {
  return findAnswer(deps.db, promptId);
}

/** The stored answer in the API's names (what the page shows as "recorded"). */
export function answerValues(p: Pick<PromptRow, 'kind'>, a: AnswerRow | null): Record<string, string | number | boolean> {
  if (!a) return {};
  const out: Record<string, string | number | boolean | null> = {};
  if (p.kind === 'after_run')
    Object.assign(out, { duringRun: a.painDuring, painNow: a.painNow, painBefore: a.painBefore, stoppedForKnee: a.stoppedForKnee, calfDuring: a.calfDuring });
  if (p.kind === 'settle_check') out.settled = a.settled === null ? null : a.settled ? 'yes' : 'not_yet';
  if (p.kind === 'next_morning')
    Object.assign(out, { nextMorning: a.painNow, nextMorningVsYesterday: a.vsYesterday, stairsOrSittingWorse: a.stairsOrSittingWorse });
  if (p.kind === 'rest_morning') out.nextMorning = a.painNow;
  if (a.note) out.note = a.note;
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== null && v !== undefined)) as Record<string, string | number | boolean>;
}
