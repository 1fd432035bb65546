import { createHmac } from 'node:crypto';
import type { Env } from '../../config/env.js';
import { randomToken, safeEqual } from '../../lib/crypto.js';
import { BadRequestError } from '../../lib/errors.js';
import type { Redis } from '../../lib/redis.js';

/**
 * The OAuth `state` of every platform's connect (docs/security.md, "Connecting a platform"): signed
 * (HMAC, key derived from TOKEN_ENCRYPTION_KEY, one MAC domain per platform so a Strava state never
 * verifies as a Garmin one), expiring, bound to the browser that started the connect, and single-use:
 * its nonce keys a Redis entry (holding the runner id and, with PKCE, the verifier, which so never
 * leaves the server) that the callback deletes as it reads it.
 */

/** How long a started connect stays usable: the state's expiry and its Redis entry, 10 minutes. */
export const STATE_TTL_S = 600;

export interface StatePayload {
  /** runner id */
  r: string;
  /** single-use nonce (also the Redis key) */
  n: string;
  /** expiry, epoch seconds */
  e: number;
  /** browser binding: the nonce of the HttpOnly cookie set by the connect start */
  b?: string;
}

/** The MAC domain of a platform's states. */
export function statePurpose(providerId: string): string {
  return `${providerId}-oauth-state`;
}

function stateMac(body: string, key: Buffer, purpose: string): string {
  return createHmac('sha256', key).update(`${purpose}.`).update(body).digest('base64url');
}

/** "<base64url(json)>.<hmac>" — tamper-evident; single use is enforced with Redis (issueState/consumeState). */
export function signState(payload: StatePayload, key: Buffer, purpose = 'strava-oauth-state'): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${stateMac(body, key, purpose)}`;
}

export type StateCheck = { ok: true; payload: StatePayload } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

export function verifyState(state: string, key: Buffer, now: Date, purpose = 'strava-oauth-state'): StateCheck {
  const [body, mac, extra] = state.split('.');
  if (!body || !mac || extra !== undefined || state.length > 1024) return { ok: false, reason: 'malformed' };
  if (!safeEqual(mac, stateMac(body, key, purpose))) return { ok: false, reason: 'bad_signature' };
  let payload: StatePayload;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as StatePayload;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (
    typeof payload.r !== 'string' ||
    typeof payload.n !== 'string' ||
    typeof payload.e !== 'number' ||
    (payload.b !== undefined && typeof payload.b !== 'string')
  ) {
    return { ok: false, reason: 'malformed' };
  }
  if (payload.e * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, payload };
}

export class InvalidStateError extends BadRequestError {
  constructor(why: string) {
    super(`this connect link is not valid (${why}); start again from the app`, 'invalid_state');
  }
}

/** The state must carry the nonce of the cookie set in the browser that started the connect. */
export function checkBrowserBinding(stateNonce: string | undefined, cookieNonce: string | undefined): void {
  if (!stateNonce || !cookieNonce || !safeEqual(stateNonce, cookieNonce)) throw new InvalidStateError('it was started in another browser');
}

export interface StateDeps {
  redis: Redis;
  env: Pick<Env, 'REDIS_PREFIX' | 'tokenEncryptionKey'>;
  now: () => Date;
}

function stateKey(deps: Pick<StateDeps, 'env'>, providerId: string, nonce: string): string {
  return `${deps.env.REDIS_PREFIX}:${providerId}:oauth-state:${nonce}`;
}

/** A fresh signed state for `runnerId` bound to `browserNonce`; `verifier` (PKCE) is kept in Redis with it. */
export async function issueState(deps: StateDeps, providerId: string, runnerId: string, browserNonce: string, verifier?: string): Promise<string> {
  const nonce = randomToken(16);
  const expires = Math.floor(deps.now().getTime() / 1000) + STATE_TTL_S;
  const stored = verifier === undefined ? runnerId : JSON.stringify({ r: runnerId, v: verifier });
  await deps.redis.set(stateKey(deps, providerId, nonce), stored, 'EX', STATE_TTL_S);
  return signState({ r: runnerId, n: nonce, e: expires, b: browserNonce }, deps.env.tokenEncryptionKey, statePurpose(providerId));
}

/**
 * Check a callback's state (signature, expiry, browser binding — before the state is consumed, so a
 * callback from another browser cannot burn it) and consume it with GETDEL (single use even when two
 * callbacks race). Returns the runner id and, with PKCE, the verifier.
 */
export async function consumeState(
  deps: StateDeps,
  providerId: string,
  state: unknown,
  browserNonce: string | undefined,
  pkce: boolean,
): Promise<{ runnerId: string; verifier: string | undefined }> {
  if (typeof state !== 'string') throw new InvalidStateError('no state');
  const check = verifyState(state, deps.env.tokenEncryptionKey, deps.now(), statePurpose(providerId));
  if (!check.ok) throw new InvalidStateError(check.reason.replace('_', ' '));
  checkBrowserBinding(check.payload.b, browserNonce);
  const stored = await deps.redis.getdel(stateKey(deps, providerId, check.payload.n));
  if (!pkce) {
    if (stored !== check.payload.r) throw new InvalidStateError('already used or unknown');
    return { runnerId: check.payload.r, verifier: undefined };
  }
  let saved: { r?: unknown; v?: unknown } = {};
  try {
    saved = stored ? (JSON.parse(stored) as typeof saved) : {};
  } catch {
    saved = {};
  }
  if (saved.r !== check.payload.r || typeof saved.v !== 'string') throw new InvalidStateError('already used or unknown');
  return { runnerId: check.payload.r, verifier: saved.v };
}
