import webpush from 'web-push';
import type { AppDeps } from '../deps.js';
import {
  countPushFailure,
  deletePushSubscriptionById,
  deleteRunnerPushSubscription,
  listPushSubscriptions,
  markPushSent,
  upsertPushSubscription,
} from '../db/queries/push-subscriptions.js';
import { ValidationError } from '../lib/errors.js';
import type { PromptChannel } from './prompts/channels.js';
import type { PromptMessage } from './prompts/message.js';

/**
 * Web Push of pain prompts (see docs/pages.md). Each prompt is one notification: it lives until the
 * prompt expires (TTL) and carries the prompt as its `Topic`, so a reminder replaces the first
 * notification on the phone instead of adding a second one. Payloads are encrypted for the
 * subscription (aes128gcm) by `web-push`; the request goes out through `deps.fetch`.
 */

export interface PushSubscriptionInput {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

const B64URL = /^[A-Za-z0-9_-]+={0,2}$/;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** A subscription as the browser gives it; https endpoints only (loopback http outside production, for tests). */
export function parseSubscription(input: unknown, production: boolean): PushSubscriptionInput {
  const s = input as Partial<PushSubscriptionInput> | null;
  if (!s || typeof s.endpoint !== 'string' || s.endpoint.length > 2000) throw new ValidationError('body.endpoint: required', { field: 'endpoint' });
  let url: URL;
  try {
    url = new URL(s.endpoint);
  } catch {
    throw new ValidationError('body.endpoint: not a URL', { field: 'endpoint' });
  }
  const allowed = url.protocol === 'https:' || (!production && url.protocol === 'http:' && LOOPBACK.has(url.hostname));
  if (!allowed) throw new ValidationError('body.endpoint: must be an https URL of a push service', { field: 'endpoint' });
  const p256dh = s.keys?.p256dh;
  const auth = s.keys?.auth;
  if (typeof p256dh !== 'string' || !B64URL.test(p256dh) || Buffer.from(p256dh, 'base64url').length !== 65)
    throw new ValidationError('body.keys.p256dh: must be a P-256 public key (65 bytes, base64url)', { field: 'keys.p256dh' });
  if (typeof auth !== 'string' || !B64URL.test(auth) || Buffer.from(auth, 'base64url').length !== 16)
    throw new ValidationError('body.keys.auth: must be 16 bytes, base64url', { field: 'keys.auth' });
  return { endpoint: s.endpoint, keys: { p256dh, auth } };
}

export async function savePushSubscription(deps: Pick<AppDeps, 'db' | 'env'>, runnerId: string, input: unknown): Promise<{ id: string }> {
  const sub = parseSubscription(input, deps.env.NODE_ENV === 'production');
  return { id: await upsertPushSubscription(deps.db, { runnerId, endpoint: sub.endpoint, p256dh: sub.keys.p256dh, auth: sub.keys.auth }) };
}

export async function deletePushSubscription(deps: Pick<AppDeps, 'db'>, runnerId: string, endpoint: string): Promise<boolean> {
  return deleteRunnerPushSubscription(deps.db, runnerId, endpoint);
}

/** The notification's topic: the prompt id without dashes (32 URL-safe characters, the limit). */
export function promptTopic(promptId: string): string {
  return promptId.replace(/-/g, '').slice(0, 32);
}

/** Seconds the push service should keep the notification: until the prompt expires (at least 60 s). */
export function ttlSeconds(expiresAt: string, now: Date): number {
  return Math.max(60, Math.floor((new Date(expiresAt).getTime() - now.getTime()) / 1000));
}

export function promptPayload(msg: PromptMessage): string {
  return JSON.stringify({
    title: msg.title,
    body: msg.text.split('\n').slice(0, 3).join('\n'),
    url: msg.answerUrl,
    promptId: msg.promptId,
    tag: `prompt-${msg.promptId}`,
    event: msg.event,
  });
}

type PushDeps = Pick<AppDeps, 'db' | 'env' | 'now' | 'fetch' | 'log'>;

/**
 * Send a prompt to every browser the runner subscribed. A subscription the push service says is
 * gone (404/410) is deleted. Throws when none of the runner's subscriptions took it (so the
 * prompt job retries this channel); returns how many did.
 */
export async function sendPromptPush(deps: PushDeps, msg: PromptMessage): Promise<{ sent: number; removed: number }> {
  const vapid = deps.env.vapid;
  if (!vapid) return { sent: 0, removed: 0 };
  const subs = await listPushSubscriptions(deps.db, msg.runner.id);
  let sent = 0;
  let removed = 0;
  const errors: string[] = [];
  for (const s of subs) {
    const details = webpush.generateRequestDetails({ endpoint: s.endpoint, keys: { p256dh: s.p256dh, auth: s.auth } }, promptPayload(msg), {
      TTL: ttlSeconds(msg.expiresAt, deps.now()),
      topic: promptTopic(msg.promptId),
      urgency: 'normal',
      contentEncoding: 'aes128gcm',
      vapidDetails: { subject: vapid.subject, publicKey: vapid.publicKey, privateKey: vapid.privateKey },
    });
    let status = 0;
    try {
      const res = await deps.fetch(details.endpoint, {
        method: details.method,
        headers: details.headers as Record<string, string>,
        body: details.body ? new Uint8Array(details.body) : null,
        signal: AbortSignal.timeout(10_000),
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      errors.push((err as Error).message);
    }
    if (status >= 200 && status < 300) {
      sent++;
      await markPushSent(deps.db, s.id, deps.now());
    } else if (status === 404 || status === 410) {
      removed++;
      await deletePushSubscriptionById(deps.db, s.id);
    } else {
      if (status) errors.push(`push service answered ${status}`);
      await countPushFailure(deps.db, s.id);
    }
  }
  if (sent === 0 && errors.length) {
    deps.log.warn({ promptId: msg.promptId, failures: errors.length }, 'web push not delivered');
    throw new Error(`web push not delivered: ${errors[0]}`);
  }
  return { sent, removed };
}

/** The prompt channel for the pain loop's list of channels. */
export const pushChannel: PromptChannel = {
  name: 'push',
  enabled: (deps) => deps.env.vapid !== null,
  async send(deps, msg) {
    const r = await sendPromptPush(deps, msg);
    return { ref: `push:${r.sent}` };
  },
};
