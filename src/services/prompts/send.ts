import type { AppDeps } from '../../deps.js';
import { findRunMetrics } from '../../db/queries/run-pain.js';
import {
  ensureDelivery,
  expireOpenPrompts,
  findPrompt,
  markDelivered,
  markDeliveryFailed,
  updatePrompt,
  type PromptRow,
} from '../../db/queries/pain-prompts.js';
import { findRunner } from '../../db/queries/runners.js';
import { addDays } from '../../domain/iso-week.js';
import { ensureJob } from '../../jobs/queues.js';
import { safeErrorMessage } from '../../lib/log-redact.js';
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

async function runSummary(deps: Pick<AppDeps, 'db'>, p: PromptRow): Promise<RunSummary | null> {
  if (!p.activityId) return null;
  const m = await findRunMetrics(deps.db, p.activityId);
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
export async function sendPrompt(
  deps: SendDeps,
  promptId: string,
  event: 'due' | 'reminder',
  attempt = 1,
  channels: readonly PromptChannel[] = PROMPT_CHANNELS,
): Promise<SendOutcome> {
  const p = await findPrompt(deps.db, promptId);
  if (!p) return 'missing';
  const now = deps.now();
  if (p.attempt !== attempt) return 'closed';
  if (p.status === 'cancelled' || p.status === 'answered' || p.status === 'expired') return 'closed';
  if (p.expiresAt.getTime() <= now.getTime()) {
    await expireOpenPrompts(deps.db, now, p.id);
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
    const d = await ensureDelivery(deps.db, { promptId: p.id, channel: ch.name, event, attempt });
    // delivered, or handed to the outbox, which owns its retries and marks it delivered on a 2xx
    if (!d || d.status === 'delivered' || d.notificationId) continue;
    try {
      const r = await ch.send(deps, msg, { deliveryId: d.id });
      if (!r?.handedOff) await markDelivered(deps.db, d.id, deps.now());
    } catch (err) {
      const error = safeErrorMessage(err);
      failures.push(`${ch.name}: ${error}`);
      // the delivery row keeps the message for the runner's history; the log gets the error itself
      deps.log.warn({ err, promptId: p.id, channel: ch.name, event }, 'pain prompt channel failed; the job retries it');
      await markDeliveryFailed(deps.db, d.id, deps.now(), error);
    }
  }
  if (event === 'due') {
    await updatePrompt(deps.db, p.id, { status: 'sent', sentAt: p.sentAt ?? now, updatedAt: now }, { statuses: ['pending'] });
    if (p.remindAt) await enqueuePromptSend(deps, p, 'reminder', p.remindAt);
  } else {
    await updatePrompt(deps.db, p.id, { remindedAt: now, updatedAt: now });
  }
  if (failures.length) throw new PromptChannelsFailedError(`prompt ${p.id} ${event}: ${failures.join('; ')}`);
  return 'sent';
}

/**
 * The safety net: due prompts whose send job was lost (Redis flushed, worker killed) are queued
 * again, prompts past their window are closed, and rest-day morning checks are planned.
 */
export async function sweepPrompts(
  deps: Pick<AppDeps, 'db' | 'enqueue' | 'now' | 'env' | 'queues'>,
): Promise<{ requeued: number; expired: number; restMornings: number }> {
  const now = deps.now();
  const expired = await expireOpenPrompts(deps.db, now);
  const { due, reminders } = await duePrompts(deps.db, now);
  let requeued = 0;
  for (const p of due)
    if ((await ensureJob(deps.queues, deps.enqueue, 'prompt.send', { promptId: p.id, event: 'due', attempt: p.attempt })) === 'enqueued') requeued++;
  for (const p of reminders)
    if ((await ensureJob(deps.queues, deps.enqueue, 'prompt.send', { promptId: p.id, event: 'reminder', attempt: p.attempt })) === 'enqueued') requeued++;
  const restMornings = await planRestMornings(deps);
  return { requeued, expired: expired.length, restMornings };
}
