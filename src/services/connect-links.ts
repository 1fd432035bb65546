import { createHmac } from 'node:crypto';
import type { Env } from '../config/env.js';
import type { Db } from '../db/client.js';
import { randomToken, safeEqual } from '../lib/crypto.js';
import { AppError, BadRequestError, NotConfiguredError } from '../lib/errors.js';
import type { Redis } from '../lib/redis.js';
import { providersOf, type ProviderRegistry } from '../integrations/registry.js';
import { requireRunner } from './runners.js';

/**
 * Connect links (docs/security.md): starting an OAuth connect needs a credential, because whoever
 * finishes it attaches *their* Strava or Garmin account to the runner. A client holding the API key
 * asks `POST /v1/runners/:runnerId/connect-links` for a short-lived signed URL and hands it to the
 * runner's browser; `GET /connect/<provider>?link=…` accepts only such a URL. The signature is an
 * HMAC-SHA256 with a key derived from TOKEN_ENCRYPTION_KEY for this purpose alone; the link names
 * the runner, the provider and its expiry, so it cannot be reused for another runner or platform.
 * It also carries a random id, and opening it consumes that id in Redis (SET NX with the link's
 * remaining lifetime): a link starts OAuth once, and a second open is refused with 410.
 */

export const CONNECT_PROVIDERS = ['strava', 'garmin'] as const;
export type ConnectProvider = (typeof CONNECT_PROVIDERS)[number];

/** How long a connect link can be opened. */
export const CONNECT_LINK_TTL_S = 15 * 60;

interface LinkPayload {
  /** runner id */
  r: string;
  /** provider */
  p: string;
  /** expiry, epoch seconds */
  e: number;
  /** random id, consumed on first open (single use) */
  n: string;
}

function linkKey(key: Buffer): Buffer {
  return createHmac('sha256', key).update('stridesync connect-link key v1').digest();
}

function mac(body: string, key: Buffer): string {
  return createHmac('sha256', linkKey(key)).update(body).digest('base64url');
}

/** Sign a link; a fresh random id is added when `n` is not given. */
export function signConnectLink(payload: Omit<LinkPayload, 'n'> & { n?: string }, key: Buffer): string {
  const body = Buffer.from(JSON.stringify({ ...payload, n: payload.n ?? randomToken(16) })).toString('base64url');
  return `${body}.${mac(body, key)}`;
}

export class InvalidConnectLinkError extends BadRequestError {
  constructor(why: string) {
    super(`this connect link is not valid (${why}); ask the app for a new one`, 'invalid_connect_link');
  }
}

export class ConnectLinkUsedError extends AppError {
  constructor() {
    super(410, 'connect_link_used', 'this connect link was already opened and works only once; ask the app for a new one');
  }
}

/** The runner id, random id and expiry of a valid link, or InvalidConnectLinkError. */
export function verifyConnectLink(token: unknown, provider: string, key: Buffer, now: Date): { runnerId: string; linkId: string; expiresAt: number } {
  if (typeof token !== 'string' || token.length === 0) throw new InvalidConnectLinkError('missing');
  const [body, sig, extra] = token.split('.');
  if (!body || !sig || extra !== undefined || token.length > 1024) throw new InvalidConnectLinkError('malformed');
  if (!safeEqual(sig, mac(body, key))) throw new InvalidConnectLinkError('bad signature');
  let payload: Partial<LinkPayload>;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<LinkPayload>;
  } catch {
    throw new InvalidConnectLinkError('malformed');
  }
  if (typeof payload.r !== 'string' || typeof payload.e !== 'number' || payload.p !== provider) throw new InvalidConnectLinkError('not for this platform');
  if (typeof payload.n !== 'string' || !/^[A-Za-z0-9_-]{16,64}$/.test(payload.n)) throw new InvalidConnectLinkError('malformed');
  if (payload.e * 1000 <= now.getTime()) throw new InvalidConnectLinkError('expired');
  return { runnerId: payload.r, linkId: payload.n, expiresAt: payload.e };
}

/**
 * Verify a link and use it up: the first open of a valid link records its id in Redis (SET NX, kept
 * until the link would have expired anyway) and returns the runner id; any later open of the same
 * link is ConnectLinkUsedError (410), also when two opens race.
 */
export async function consumeConnectLink(
  deps: { redis: Redis; env: Pick<Env, 'REDIS_PREFIX' | 'tokenEncryptionKey'>; now: () => Date },
  token: unknown,
  provider: string,
): Promise<string> {
  const link = verifyConnectLink(token, provider, deps.env.tokenEncryptionKey, deps.now());
  const ttlS = Math.max(1, link.expiresAt - Math.floor(deps.now().getTime() / 1000));
  const first = await deps.redis.set(`${deps.env.REDIS_PREFIX}:connect-link:${link.linkId}`, '1', 'EX', ttlS, 'NX');
  if (first !== 'OK') throw new ConnectLinkUsedError();
  return link.runnerId;
}

export function connectLinkUrl(env: Pick<Env, 'PUBLIC_URL'>, provider: string, token: string): string {
  return `${env.PUBLIC_URL.replace(/\/+$/, '')}/connect/${provider}?link=${encodeURIComponent(token)}`;
}

/** A fresh link for a runner (who must exist) and a configured provider. */
export async function createConnectLink(
  deps: { db: Db; env: Pick<Env, 'PUBLIC_URL' | 'tokenEncryptionKey' | 'strava' | 'garmin'>; now: () => Date; providers?: ProviderRegistry },
  runnerId: string,
  provider: string,
): Promise<{ url: string; expiresAt: string }> {
  const runner = await requireRunner(deps, runnerId);
  const platform = providersOf(deps).get(provider);
  if (!platform.configured(deps.env as Env)) throw new NotConfiguredError(platform.label);
  return issueConnectLink(deps, runner.id, provider);
}

/** Sign a link without looking the runner up (the caller already knows it). */
export function issueConnectLink(
  deps: { env: Pick<Env, 'PUBLIC_URL' | 'tokenEncryptionKey'>; now: () => Date },
  runnerId: string,
  provider: string,
): { url: string; expiresAt: string } {
  const e = Math.floor(deps.now().getTime() / 1000) + CONNECT_LINK_TTL_S;
  return {
    url: connectLinkUrl(deps.env, provider, signConnectLink({ r: runnerId, p: provider, e }, deps.env.tokenEncryptionKey)),
    expiresAt: new Date(e * 1000).toISOString(),
  };
}
