import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { painAnswers, painPrompts, PROMPT_STATUSES, type PromptStatus } from '../../db/schema/index.js';
import { NotFoundError } from '../../lib/errors.js';
import { hashToken, TOKEN_PATTERN } from './tokens.js';

export { schedulePromptsForRun, cancelPromptsFor } from './schedule.js';
export { sendPrompt, sweepPrompts } from './send.js';
export { PROMPT_CHANNELS, type PromptChannel } from './channels.js';
export type { PromptMessage } from './message.js';

type PromptRow = typeof painPrompts.$inferSelect;
type AnswerRow = typeof painAnswers.$inferSelect;

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
  const rows = await deps.db
    .select()
    .from(painPrompts)
    .where(and(eq(painPrompts.runnerId, runnerId), filter.status && filter.status !== 'pending' && filter.status !== 'open' ? eq(painPrompts.status, filter.status) : undefined))
    .orderBy(desc(painPrompts.dueAt))
    .limit(500);
  const open = filter.status === 'pending' || filter.status === 'open';
  return (open ? rows.filter((r) => r.status === 'pending' || r.status === 'sent') : rows).map(promptView);
}

/** The prompt an answer link points to, with its stored answer; null for an unknown or malformed token. */
export async function findPromptByToken(deps: { db: Db }, token: string): Promise<{ prompt: PromptRow; answer: AnswerRow | null } | null> {
  if (!TOKEN_PATTERN.test(token)) return null;
  const [p] = await deps.db.select().from(painPrompts).where(eq(painPrompts.tokenHash, hashToken(token)));
  if (!p) return null;
  const [a] = await deps.db.select().from(painAnswers).where(eq(painAnswers.promptId, p.id));
  return { prompt: p, answer: a ?? null };
}

export async function requireRunnerPrompt(deps: { db: Db }, promptId: string): Promise<PromptRow> {
  const [p] = /^[0-9a-f-]{36}$/i.test(promptId) ? await deps.db.select().from(painPrompts).where(eq(painPrompts.id, promptId)) : [];
  if (!p) throw new NotFoundError(`prompt ${promptId} not found`, 'prompt_not_found');
  return p;
}

/** The stored answer in the API's names (what the page shows as "recorded"). */
export function answerValues(p: Pick<PromptRow, 'kind'>, a: AnswerRow | null): Record<string, string | number | boolean> {
  if (!a) return {};
  const out: Record<string, string | number | boolean | null> = {};
  if (p.kind === 'after_run') Object.assign(out, { duringRun: a.painDuring, painNow: a.painNow, painBefore: a.painBefore, stoppedForKnee: a.stoppedForKnee, calfDuring: a.calfDuring });
  if (p.kind === 'settle_check') out.settled = a.settled === null ? null : a.settled ? 'yes' : 'not_yet';
  if (p.kind === 'next_morning') Object.assign(out, { nextMorning: a.painNow, nextMorningVsYesterday: a.vsYesterday, stairsOrSittingWorse: a.stairsOrSittingWorse });
  if (p.kind === 'rest_morning') out.nextMorning = a.painNow;
  if (a.note) out.note = a.note;
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== null && v !== undefined)) as Record<string, string | number | boolean>;
}
