import { and, eq, inArray, lte, sql } from 'drizzle-orm';
import type { AppDeps } from '../../deps.js';
import { findRunner } from '../../db/queries/runners.js';
import { activityMetrics, painPrompts, promptDeliveries } from '../../db/schema/index.js';
import { addDays } from '../../domain/iso-week.js';
import { ensureJob } from '../../jobs/queues.js';
import { isGaitGoalActive } from '../pain/gait.js';
import { PROMPT_CHANNELS, type ChannelDeps, type PromptChannel } from './channels.js';
import { promptText, promptTitle, type PromptMessage, type RunSummary } from './message.js';
import { questionsFor } from './questions.js';
import { duePrompts, enqueuePromptSend, planRestMornings } from './schedule.js';
import { answerUrl, revealToken } from './tokens.js';

export type SendDeps = ChannelDeps;

export class PromptChannelsFailedError extends Error {
  override name = 'PromptChannelsFailedError';
}

type PromptRow = typeof painPrompts.$inferSelect;

async function runSummary(deps: Pick<AppDeps, 'db'>, p: PromptRow): Promise<RunSummary | null> {
  if (!p.activityId) return null;
  const [m] = await deps.db.select().from(activityMetrics).where(eq(activityMetrics.activityId, p.activityId));
  // a morning prompt's date is the morning after the run
  const runDate = p.localDate ? (p.kind === 'next_morning' ? addDays(p.localDate, -1) : p.localDate) : '';
  return {
    activityId: p.activityId,
    localDate: runDate,
    distanceKm: m ? Math.round(m.distanceM / 10) / 100 : null,
    movingTimeS: m ? Math.round(m.movingTimeS) : null,
    elevationLossM: m?.elevationLossM ?? null,
    cadenceSpm: m?.runCadenceSpm ?? m?.avgCadenceSpm ?? null,
  };
}

/** The message of one prompt event, with its answer link. */
export async function buildPromptMessage(deps: ChannelDeps, p: PromptRow, event: 'due' | 'reminder'): Promise<PromptMessage | null> {
  const runner = await findRunner(deps.db, p.runnerId);
  if (!runner || !p.tokenEnc) return null;
  const run = await runSummary(deps, p);
  const askCalf = p.kind === 'after_run' && p.localDate ? await isGaitGoalActive(deps, p.runnerId, p.localDate) : false;
  const questions = questionsFor(p.kind, { askCalf });
  const title = promptTitle(p.kind, run, event === 'reminder');
  const url = answerUrl(deps.env.PUBLIC_URL, revealToken(p.tokenEnc, deps.env.tokenEncryptionKey));
  return {
    event: event === 'due' ? 'pain_prompt.due' : 'pain_prompt.reminder',
    promptId: p.id,
    kind: p.kind,
    runner: { id: runner.id, name: runner.name, email: runner.email, timezone: runner.timezone },
    title,
    text: promptText(title, run, questions, url),
    answerUrl: url,
    run,
    questions,
    dueAt: p.dueAt.toISOString(),
    expiresAt: p.expiresAt.toISOString(),
  };
}

export type SendOutcome = 'sent' | 'missing' | 'closed' | 'expired' | 'not_due' | 'already_sent';

/**
 * Send one prompt event through every enabled channel. Each (prompt, channel, event, attempt) has one
 * delivery row: a channel already delivered is skipped, so a retried or duplicated job never sends
 * twice; a failing channel makes the job throw and retry (only that channel).
 */
export async function sendPrompt(deps: SendDeps, promptId: string, event: 'due' | 'reminder', attempt = 1, channels: readonly PromptChannel[] = PROMPT_CHANNELS): Promise<SendOutcome> {
  const [p] = await deps.db.select().from(painPrompts).where(eq(painPrompts.id, promptId));
  if (!p) return 'missing';
  const now = deps.now();
  if (p.attempt !== attempt) return 'closed';
  if (p.status === 'cancelled' || p.status === 'answered' || p.status === 'expired') return 'closed';
  if (p.expiresAt.getTime() <= now.getTime()) {
    await deps.db.update(painPrompts).set({ status: 'expired', updatedAt: now }).where(and(eq(painPrompts.id, p.id), inArray(painPrompts.status, ['pending', 'sent'])));
    return 'expired';
  }
  if (event === 'due' && p.dueAt.getTime() > now.getTime() + 1000) return 'not_due';
  if (event === 'reminder') {
    if (!p.remindAt || p.remindAt.getTime() > now.getTime() + 1000) return 'not_due';
    if (p.remindedAt) return 'already_sent';
  }
  const msg = await buildPromptMessage(deps, p, event);
  if (!msg) return 'missing';
  const runner = await findRunner(deps.db, p.runnerId);
  const failures: string[] = [];
  for (const ch of channels) {
    if (!runner || !ch.enabled(deps, runner)) continue;
    await deps.db.insert(promptDeliveries).values({ promptId: p.id, channel: ch.name, event, attempt }).onConflictDoNothing();
    const [d] = await deps.db
      .select()
      .from(promptDeliveries)
      .where(and(eq(promptDeliveries.promptId, p.id), eq(promptDeliveries.channel, ch.name), eq(promptDeliveries.event, event), eq(promptDeliveries.attempt, attempt)));
    if (!d || d.status === 'delivered') continue;
    try {
      const r = await ch.send(deps, msg, { deliveryId: d.id });
      await deps.db
        .update(promptDeliveries)
        .set({ status: 'delivered', deliveredAt: deps.now(), updatedAt: deps.now(), ...(ch.name === 'webhook' && r && r.ref ? { notificationId: r.ref } : {}), attempts: sql`${promptDeliveries.attempts} || ${JSON.stringify([{ at: deps.now().toISOString() }])}::jsonb` })
        .where(eq(promptDeliveries.id, d.id));
    } catch (err) {
      const error = (err as Error).message;
      failures.push(`${ch.name}: ${error}`);
      await deps.db
        .update(promptDeliveries)
        .set({ status: 'failed', updatedAt: deps.now(), attempts: sql`${promptDeliveries.attempts} || ${JSON.stringify([{ at: deps.now().toISOString(), error }])}::jsonb` })
        .where(eq(promptDeliveries.id, d.id));
    }
  }
  if (event === 'due') {
    await deps.db.update(painPrompts).set({ status: 'sent', sentAt: p.sentAt ?? now, updatedAt: now }).where(and(eq(painPrompts.id, p.id), eq(painPrompts.status, 'pending')));
    if (p.remindAt) await enqueuePromptSend(deps, p, 'reminder', p.remindAt);
  } else {
    await deps.db.update(painPrompts).set({ remindedAt: now, updatedAt: now }).where(eq(painPrompts.id, p.id));
  }
  if (failures.length) throw new PromptChannelsFailedError(`prompt ${p.id} ${event}: ${failures.join('; ')}`);
  return 'sent';
}

/**
 * The safety net: due prompts whose send job was lost (Redis flushed, worker killed) are queued
 * again, prompts past their window are closed, and rest-day morning checks are planned.
 */
export async function sweepPrompts(deps: Pick<AppDeps, 'db' | 'enqueue' | 'now' | 'env' | 'queues'>): Promise<{ requeued: number; expired: number; restMornings: number }> {
  const now = deps.now();
  const expired = await deps.db
    .update(painPrompts)
    .set({ status: 'expired', updatedAt: now })
    .where(and(inArray(painPrompts.status, ['pending', 'sent']), lte(painPrompts.expiresAt, now)))
    .returning({ id: painPrompts.id });
  const { due, reminders } = await duePrompts(deps.db, now);
  let requeued = 0;
  for (const p of due) if ((await ensureJob(deps.queues, deps.enqueue, 'prompt.send', { promptId: p.id, event: 'due', attempt: p.attempt })) === 'enqueued') requeued++;
  for (const p of reminders) if ((await ensureJob(deps.queues, deps.enqueue, 'prompt.send', { promptId: p.id, event: 'reminder', attempt: p.attempt })) === 'enqueued') requeued++;
  const restMornings = await planRestMornings(deps);
  return { requeued, expired: expired.length, restMornings };
}
