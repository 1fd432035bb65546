import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../db/client.js';
import {
  findLiveSession,
  insertMagicLink,
  isLinkUsable,
  insertSession,
  listLiveSessions,
  revokeOpenLinks,
  revokeRunnerSessions,
  revokeSession,
  touchSession,
  useLink,
} from '../../db/queries/sessions.js';
import { revokeSharesFromOtherSessions } from '../../db/queries/shares.js';
import { requireRunner } from '../runners.js';
import { deviceSummary } from './device.js';

/**
 * Magic links and browser sessions for the runner's pages (see docs/pages.md). A link carries 256
 * random bits; only their SHA-256 is stored, so a database read cannot be turned into a login. A link
 * works once, until it expires or is revoked; opening it starts a session whose cookie value is
 * another random token (again stored hashed) with its own CSRF token.
 */

export const LINK_TTL_MS = 15 * 60_000;
export const SESSION_TTL_MS = 30 * 24 * 3600_000;
export const SESSION_COOKIE = 'stridesync_session';
/** "last seen" is written at most this often (or a third of the idle timeout, when that is shorter) */
export const SESSION_TOUCH_MS = 5 * 60_000;

type Deps = { db: Db; now: () => Date };

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Constant-time comparison of two short strings (CSRF tokens). */
export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface MagicLink {
  id: string;
  url: string;
  expiresAt: Date;
}

export async function createMagicLink(deps: Deps & { env: { PUBLIC_URL: string } }, runnerId: string, ttlMs = LINK_TTL_MS): Promise<MagicLink> {
  const runner = await requireRunner(deps, runnerId);
  const token = newToken();
  const expiresAt = new Date(deps.now().getTime() + ttlMs);
  const id = await insertMagicLink(deps.db, { runnerId: runner.id, tokenHash: hashToken(token), expiresAt });
  return { id, url: `${deps.env.PUBLIC_URL}/login/${token}`, expiresAt };
}

/** Revoke every link of a runner that has not been used yet (e.g. one was sent to the wrong address). */
export async function revokeMagicLinks(deps: Deps, runnerId: string): Promise<number> {
  await requireRunner(deps, runnerId);
  return revokeOpenLinks(deps.db, runnerId, deps.now());
}

/**
 * Whether a link would sign in now (known, unused, not revoked, not expired), without using it: the
 * link's page shows a "Continue" button, and only the POST it sends uses the link, so a mail scanner
 * fetching the link first does not burn it.
 */
export async function magicLinkUsable(deps: Deps, token: string): Promise<boolean> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return false;
  const now = deps.now();
  return isLinkUsable(deps.db, hashToken(token), now);
}

export interface NewSession {
  sessionToken: string;
  runnerId: string;
  expiresAt: Date;
}

/**
 * Use a magic link: marks it used in the same statement that checks it (so two clicks race to one
 * winner) and starts a session, remembering a short summary of the browser's user agent as its
 * device. Null for an unknown, used, revoked or expired link.
 */
export async function consumeMagicLink(deps: Deps, token: string, opts: { ttlMs?: number; userAgent?: string } = {}): Promise<NewSession | null> {
  const ttlMs = opts.ttlMs ?? SESSION_TTL_MS;
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  const now = deps.now();
  return deps.db.transaction(async (tx) => {
    const link = await useLink(tx, hashToken(token), now);
    if (!link) return null;
    const sessionToken = newToken();
    const expiresAt = new Date(now.getTime() + ttlMs);
    await insertSession(tx, {
      runnerId: link.runnerId,
      sessionHash: hashToken(sessionToken),
      csrfToken: newToken(),
      linkId: link.id,
      expiresAt,
      lastSeenAt: now,
      device: deviceSummary(opts.userAgent),
    });
    return { sessionToken, runnerId: link.runnerId, expiresAt };
  });
}

export interface PageSession {
  id: string;
  runnerId: string;
  csrfToken: string;
  expiresAt: Date;
  /** a short summary of the browser's user agent at sign-in */
  device: string | null;
  signedInAt: Date;
  runner: { id: string; name: string; timezone: string };
}

/** How long a session may go unused, and how often its "last seen" is written. */
export interface IdlePolicy {
  idleMs: number;
}

/** The idle timeout configured by `SESSION_IDLE_TIMEOUT_MIN`. */
export function idlePolicyOf(env: { SESSION_IDLE_TIMEOUT_MIN: number }): IdlePolicy {
  return { idleMs: env.SESSION_IDLE_TIMEOUT_MIN * 60_000 };
}

function touchEveryMs(idle: IdlePolicy): number {
  return Math.min(SESSION_TOUCH_MS, Math.floor(idle.idleMs / 3));
}

/**
 * The live session behind a cookie value, with its runner; null when unknown, revoked, past its
 * lifetime, or unused for longer than the idle timeout. Using it moves its "last seen" forward, written
 * at most every few minutes so a page view is not a write each time.
 */
export async function findSession(deps: Deps, sessionToken: string, idle: IdlePolicy): Promise<PageSession | null> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(sessionToken)) return null;
  const now = deps.now();
  const row = await findLiveSession(deps.db, hashToken(sessionToken), now, new Date(now.getTime() - idle.idleMs));
  if (!row) return null;
  if (now.getTime() - row.lastSeenAt.getTime() >= touchEveryMs(idle)) {
    await touchSession(deps.db, row.id, now);
  }
  return {
    id: row.id,
    runnerId: row.runnerId,
    csrfToken: row.csrfToken,
    expiresAt: row.expiresAt,
    device: row.device,
    signedInAt: row.createdAt,
    runner: { id: row.runnerId, name: row.name, timezone: row.timezone },
  };
}

export interface SessionView {
  id: string;
  device: string | null;
  signedInAt: string;
  lastSeenAt: string;
  expiresAt: string;
}

/** A runner's live sessions, most recently used first. */
export async function listSessions(deps: Deps, runnerId: string, idle: IdlePolicy): Promise<SessionView[]> {
  await requireRunner(deps, runnerId);
  const now = deps.now();
  const rows = await listLiveSessions(deps.db, runnerId, now, new Date(now.getTime() - idle.idleMs));
  return rows.map((r) => ({
    id: r.id,
    device: r.device,
    signedInAt: r.createdAt.toISOString(),
    lastSeenAt: r.lastSeenAt.toISOString(),
    expiresAt: r.expiresAt.toISOString(),
  }));
}

export async function endSession(deps: Deps, sessionId: string): Promise<void> {
  await revokeSession(deps.db, sessionId, deps.now());
}

export interface SignOutEverywhere {
  /** live sessions that were ended (the current one included) */
  sessionsEnded: number;
  /** ids of the share links withdrawn with them */
  sharesWithdrawn: string[];
  /** sign-in links that were not used yet, revoked */
  linksRevoked: number;
}

/**
 * Sign a runner out everywhere (a lost phone, a session that may have been stolen): every session
 * ends, the current one included, and every sign-in link not used yet is revoked, so none can start a
 * new session afterwards. With `withdrawShares`, the live share links created from a page
 * session other than `currentSessionId` are withdrawn too (all page-made links when there is no
 * current session, as through the API); links made through the API are kept. One transaction.
 */
export async function signOutEverywhere(
  deps: Deps,
  runnerId: string,
  opts: { currentSessionId?: string | null; withdrawShares?: boolean; idle: IdlePolicy },
): Promise<SignOutEverywhere> {
  await requireRunner(deps, runnerId);
  const now = deps.now();
  const idleSince = now.getTime() - opts.idle.idleMs;
  return deps.db.transaction(async (tx) => {
    const ended = await revokeRunnerSessions(tx, runnerId, now);
    const linksRevoked = await revokeOpenLinks(tx, runnerId, now);
    const withdrawn = opts.withdrawShares ? await revokeSharesFromOtherSessions(tx, runnerId, opts.currentSessionId ?? null, now) : [];
    return {
      sessionsEnded: ended.filter((s) => s.expiresAt > now && s.lastSeenAt.getTime() > idleSince).length,
      sharesWithdrawn: withdrawn.map((s) => s.id),
      linksRevoked,
    };
  });
}
