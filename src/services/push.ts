import webpush from 'web-push';
import type { AppDeps } from '../deps.js';
import {
  countPushFailure,
  deletePushSubscriptionById,
  deleteRunnerPushSubscription,
  listPushSubscriptions,
  markPushSent,
  pruneRunnerPushSubscriptions,
  upsertPushSubscription,
} from '../db/queries/push-subscriptions.js';
import { lockRunner } from '../db/queries/runners.js';
import { ValidationError } from '../lib/errors.js';
import { hostMatches, isLoopbackAddress, isPublicAddress } from '../lib/net-address.js';
import { literalAddress, requestPinned, resolvePublicAddress, systemResolve, type ResolveAll } from '../lib/public-http.js';
import type { PromptChannel } from './prompts/channels.js';
import type { PromptMessage } from './prompts/message.js';

/**
 * Web Push of pain prompts (see docs/pages.md). Each prompt is one notification: it lives until the
 * prompt expires (TTL) and carries the prompt as its `Topic`, so a reminder replaces the first
 * notification on the phone instead of adding a second one. Payloads are encrypted for the
 * subscription (aes128gcm) by `web-push`.
 *
 * Endpoints come from browsers, so they are checked like any other untrusted URL (docs/security.md):
 * https on a push service's host (PUSH_ALLOWED_HOSTS) when saved and again when sent, and at send
 * time every address the host resolves to must be public; the request goes to the address checked and
 * follows no redirect.
 */

export interface PushSubscriptionInput {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

const B64URL = /^[A-Za-z0-9_-]+={0,2}$/;
const SEND_TIMEOUT_MS = 10_000;

/** Where push endpoints may point: the configured hosts; loopback only for tests (never in production). */
export interface PushPolicy {
  allowedHosts: readonly string[];
  allowLoopback: boolean;
  resolve: ResolveAll;
}

export function pushPolicy(deps: Pick<AppDeps, 'env' | 'pushNetwork'>): PushPolicy {
  return {
    allowedHosts: deps.env.PUSH_ALLOWED_HOSTS,
    allowLoopback: deps.pushNetwork?.allowLoopback === true && deps.env.NODE_ENV !== 'production',
    resolve: deps.pushNetwork?.resolve ?? systemResolve,
  };
}

const LOOPBACK_NAMES = new Set(['localhost']);

/**
 * The endpoint's URL if it may be used, else the reason it may not: https, no credentials, the default
 * port, a host on the allowed list, never an IP address that is not public. With `allowLoopback`
 * (tests) http, any port and loopback hosts are accepted too.
 */
export function checkPushEndpoint(endpoint: string, policy: Pick<PushPolicy, 'allowedHosts' | 'allowLoopback'>): { url: URL } | { refused: string } {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return { refused: 'not a URL' };
  }
  const loose = policy.allowLoopback;
  if (url.protocol !== 'https:' && !(loose && url.protocol === 'http:')) return { refused: 'must be an https URL of a push service' };
  if (url.username || url.password) return { refused: 'must not carry credentials' };
  if (url.port && url.port !== '443' && !loose) return { refused: 'must use the default https port' };
  const literal = literalAddress(url.hostname);
  if (loose && ((literal && isLoopbackAddress(literal)) || LOOPBACK_NAMES.has(url.hostname))) return { url };
  if (literal) return { refused: isPublicAddress(literal) ? 'must name a push service, not an IP address' : 'must not point to an internal address' };
  if (!hostMatches(url.hostname, policy.allowedHosts)) return { refused: `must be on a known push service (${policy.allowedHosts.join(', ')})` };
  return { url };
}

/** A subscription as the browser gives it, with an endpoint checkPushEndpoint accepts (422 otherwise). */
export function parseSubscription(input: unknown, policy: Pick<PushPolicy, 'allowedHosts' | 'allowLoopback'>): PushSubscriptionInput {
  const s = input as Partial<PushSubscriptionInput> | null;
  if (!s || typeof s.endpoint !== 'string' || s.endpoint.length > 2000) throw new ValidationError('body.endpoint: required', { field: 'endpoint' });
  const checked = checkPushEndpoint(s.endpoint, policy);
  if ('refused' in checked) throw new ValidationError(`body.endpoint: ${checked.refused}`, { field: 'endpoint' });
  const p256dh = s.keys?.p256dh;
  const auth = s.keys?.auth;
  if (typeof p256dh !== 'string' || !B64URL.test(p256dh) || Buffer.from(p256dh, 'base64url').length !== 65)
    throw new ValidationError('body.keys.p256dh: must be a P-256 public key (65 bytes, base64url)', { field: 'keys.p256dh' });
  if (typeof auth !== 'string' || !B64URL.test(auth) || Buffer.from(auth, 'base64url').length !== 16)
    throw new ValidationError('body.keys.auth: must be 16 bytes, base64url', { field: 'keys.auth' });
  return { endpoint: s.endpoint, keys: { p256dh, auth } };
}

/**
 * Save the browser's subscription for the runner. A runner keeps at most PUSH_MAX_SUBSCRIPTIONS_PER_RUNNER:
 * a new one past that replaces the runner's oldest (the runner row is locked, so two saves at once
 * cannot both add one).
 */
export async function savePushSubscription(
  deps: Pick<AppDeps, 'db' | 'env' | 'pushNetwork'>,
  runnerId: string,
  input: unknown,
): Promise<{ id: string; replaced: number }> {
  const sub = parseSubscription(input, pushPolicy(deps));
  return deps.db.transaction(async (tx) => {
    await lockRunner(tx, runnerId);
    const id = await upsertPushSubscription(tx, { runnerId, endpoint: sub.endpoint, p256dh: sub.keys.p256dh, auth: sub.keys.auth });
    const replaced = await pruneRunnerPushSubscriptions(tx, runnerId, id, deps.env.PUSH_MAX_SUBSCRIPTIONS_PER_RUNNER);
    return { id, replaced };
  });
}

/** Drop the runner's subscription with this endpoint, if there is one; the caller answers the same either way. */
export async function deletePushSubscription(deps: Pick<AppDeps, 'db'>, runnerId: string, endpoint: string): Promise<void> {
  await deleteRunnerPushSubscription(deps.db, runnerId, endpoint);
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

type PushDeps = Pick<AppDeps, 'db' | 'env' | 'now' | 'log' | 'pushNetwork'>;

/**
 * Send a prompt to every browser the runner subscribed. A subscription the push service says is
 * gone (404/410) is deleted, and so is one whose endpoint the current policy refuses (it could not be
 * saved today). Throws when none of the runner's subscriptions took it (so the prompt job retries this
 * channel); returns how many did.
 */
export async function sendPromptPush(deps: PushDeps, msg: PromptMessage): Promise<{ sent: number; removed: number }> {
  const vapid = deps.env.vapid;
  if (!vapid) return { sent: 0, removed: 0 };
  const policy = pushPolicy(deps);
  const subs = await listPushSubscriptions(deps.db, msg.runner.id);
  let sent = 0;
  let removed = 0;
  const errors: string[] = [];
  for (const s of subs) {
    const checked = checkPushEndpoint(s.endpoint, policy);
    if ('refused' in checked) {
      errors.push(`endpoint refused: ${checked.refused}`);
      removed++;
      await deletePushSubscriptionById(deps.db, s.id);
      continue;
    }
    const details = webpush.generateRequestDetails({ endpoint: s.endpoint, keys: { p256dh: s.p256dh, auth: s.auth } }, promptPayload(msg), {
      TTL: ttlSeconds(msg.expiresAt, deps.now()),
      topic: promptTopic(msg.promptId),
      urgency: 'normal',
      contentEncoding: 'aes128gcm',
      vapidDetails: { subject: vapid.subject, publicKey: vapid.publicKey, privateKey: vapid.privateKey },
    });
    let status = 0;
    try {
      const target = await resolvePublicAddress(checked.url.hostname, policy);
      status = await requestPinned(checked.url, target, {
        method: details.method,
        headers: details.headers as Record<string, string>,
        body: details.body ? Buffer.from(details.body) : null,
        timeoutMs: SEND_TIMEOUT_MS,
      });
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
      if (status >= 300 && status < 400) errors.push(`push service answered ${status} (a redirect, not followed)`);
      else if (status) errors.push(`push service answered ${status}`);
      await countPushFailure(deps.db, s.id);
    }
  }
  if (sent === 0 && errors.length) {
    deps.log.warn({ promptId: msg.promptId, failures: errors.length, reason: errors[0] }, 'web push not delivered');
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
