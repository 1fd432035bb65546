import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../db/client.js';
import {
  findLiveSession,
  insertMagicLink,
  isLinkUsable,
  insertSession,
  revokeOpenLinks,
  revokeRunnerSessions,
  revokeSession,
  touchSession,
  useLink,
} from '../../db/queries/sessions.js';
import { requireRunner } from '../runners.js';

/**
 * Magic links and browser sessions for the runner's pages (see docs/pages.md). A link carries 256
 * random bits; only their SHA-256 is stored, so a database read cannot be turned into a login. A link
 * works once, until it expires or is revoked; opening it starts a session whose cookie value is
 * another random token (again stored hashed) with its own CSRF token.
 */

export const LINK_TTL_MS = 15 * 60_000;
export const SESSION_TTL_MS = 30 * 24 * 3600_000;
export const SESSION_COOKIE = 'stridesync_session';

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
 * winner) and starts a session. Null for an unknown, used, revoked or expired link.
 */
export async function consumeMagicLink(deps: Deps, token: string, ttlMs = SESSION_TTL_MS): Promise<NewSession | null> {
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
    });
    return { sessionToken, runnerId: link.runnerId, expiresAt };
  });
}

export interface PageSession {
  id: string;
  runnerId: string;
  csrfToken: string;
  expiresAt: Date;
  runner: { id: string; name: string; timezone: string };
}

/** The live session behind a cookie value, with its runner; null when unknown, expired or ended. */
export async function findSession(deps: Deps, sessionToken: string): Promise<PageSession | null> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(sessionToken)) return null;
  const now = deps.now();
  const row = await findLiveSession(deps.db, hashToken(sessionToken), now);
  if (!row) return null;
  // "last seen" is informational; write it at most every 10 minutes
  if (now.getTime() - row.lastSeenAt.getTime() > 10 * 60_000) {
    await touchSession(deps.db, row.id, now);
  }
  return {
    id: row.id,
    runnerId: row.runnerId,
    csrfToken: row.csrfToken,
    expiresAt: row.expiresAt,
    runner: { id: row.runnerId, name: row.name, timezone: row.timezone },
  };
}

export async function endSession(deps: Deps, sessionId: string): Promise<void> {
  await revokeSession(deps.db, sessionId, deps.now());
}

/** End every session of a runner (e.g. a lost phone). */
export async function endAllSessions(deps: Deps, runnerId: string): Promise<number> {
  return revokeRunnerSessions(deps.db, runnerId, deps.now());
}
