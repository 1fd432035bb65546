import { and, desc, eq, gt, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { runnerLinks, runners, runnerSessions } from '../schema/index.js';

/** Magic links (runner_links) and browser sessions (runner_sessions) of the runner's pages; tokens are stored hashed. */

export async function insertMagicLink(db: DbOrTx, values: { runnerId: string; tokenHash: string; expiresAt: Date }): Promise<string> {
  const [row] = await db.insert(runnerLinks).values(values).returning({ id: runnerLinks.id });
  return row!.id;
}

/** Revoke a runner's links that are unused, unrevoked and unexpired at `now`; returns how many. */
export async function revokeOpenLinks(db: DbOrTx, runnerId: string, now: Date): Promise<number> {
  const rows = await db
    .update(runnerLinks)
    .set({ revokedAt: now })
    .where(and(eq(runnerLinks.runnerId, runnerId), isNull(runnerLinks.usedAt), isNull(runnerLinks.revokedAt), gt(runnerLinks.expiresAt, now)))
    .returning({ id: runnerLinks.id });
  return rows.length;
}

/**
 * Mark the live link with this token hash used, in the same statement that checks it (two clicks race
 * to one winner). Undefined for an unknown, used, revoked or expired link.
 */
export async function useLink(db: DbOrTx, tokenHash: string, now: Date): Promise<{ id: string; runnerId: string } | undefined> {
  const [link] = await db
    .update(runnerLinks)
    .set({ usedAt: now })
    .where(and(eq(runnerLinks.tokenHash, tokenHash), isNull(runnerLinks.usedAt), isNull(runnerLinks.revokedAt), gt(runnerLinks.expiresAt, now)))
    .returning({ id: runnerLinks.id, runnerId: runnerLinks.runnerId });
  return link;
}

export async function insertSession(db: DbOrTx, values: typeof runnerSessions.$inferInsert): Promise<void> {
  await db.insert(runnerSessions).values(values);
}

/**
 * The live session with this hash and its runner's name and zone: not revoked, not past its lifetime,
 * and seen after `idleSince` (a session unused for the idle timeout is refused like an expired one).
 */
export async function findLiveSession(db: DbOrTx, sessionHash: string, now: Date, idleSince: Date) {
  const [row] = await db
    .select({
      id: runnerSessions.id,
      runnerId: runnerSessions.runnerId,
      csrfToken: runnerSessions.csrfToken,
      expiresAt: runnerSessions.expiresAt,
      lastSeenAt: runnerSessions.lastSeenAt,
      device: runnerSessions.device,
      createdAt: runnerSessions.createdAt,
      name: runners.name,
      timezone: runners.timezone,
    })
    .from(runnerSessions)
    .innerJoin(runners, eq(runners.id, runnerSessions.runnerId))
    .where(
      and(
        eq(runnerSessions.sessionHash, sessionHash),
        isNull(runnerSessions.revokedAt),
        gt(runnerSessions.expiresAt, now),
        gt(runnerSessions.lastSeenAt, idleSince),
      ),
    );
  return row;
}

/** A runner's live sessions (as `findLiveSession` decides), most recently seen first. */
export async function listLiveSessions(db: DbOrTx, runnerId: string, now: Date, idleSince: Date) {
  return db
    .select({
      id: runnerSessions.id,
      device: runnerSessions.device,
      createdAt: runnerSessions.createdAt,
      lastSeenAt: runnerSessions.lastSeenAt,
      expiresAt: runnerSessions.expiresAt,
    })
    .from(runnerSessions)
    .where(
      and(eq(runnerSessions.runnerId, runnerId), isNull(runnerSessions.revokedAt), gt(runnerSessions.expiresAt, now), gt(runnerSessions.lastSeenAt, idleSince)),
    )
    .orderBy(desc(runnerSessions.lastSeenAt));
}

export async function touchSession(db: DbOrTx, id: string, now: Date): Promise<void> {
  await db.update(runnerSessions).set({ lastSeenAt: now }).where(eq(runnerSessions.id, id));
}

/** End one session (no-op when already ended). */
export async function revokeSession(db: DbOrTx, id: string, now: Date): Promise<void> {
  await db
    .update(runnerSessions)
    .set({ revokedAt: now })
    .where(and(eq(runnerSessions.id, id), isNull(runnerSessions.revokedAt)));
}

/**
 * End every session of a runner that is not revoked yet (expired and idle ones too, so none can come
 * back); returns the ended sessions' expiry and last use, so the caller can count the live ones.
 */
export async function revokeRunnerSessions(db: DbOrTx, runnerId: string, now: Date): Promise<Array<{ id: string; expiresAt: Date; lastSeenAt: Date }>> {
  return db
    .update(runnerSessions)
    .set({ revokedAt: now })
    .where(and(eq(runnerSessions.runnerId, runnerId), isNull(runnerSessions.revokedAt)))
    .returning({ id: runnerSessions.id, expiresAt: runnerSessions.expiresAt, lastSeenAt: runnerSessions.lastSeenAt });
}

/** Whether a link is known, unused, not revoked and not expired (its "Continue" page; nothing is written). */
export async function isLinkUsable(db: DbOrTx, tokenHash: string, now: Date): Promise<boolean> {
  const [link] = await db
    .select({ id: runnerLinks.id })
    .from(runnerLinks)
    .where(and(eq(runnerLinks.tokenHash, tokenHash), isNull(runnerLinks.usedAt), isNull(runnerLinks.revokedAt), gt(runnerLinks.expiresAt, now)));
  return link !== undefined;
}
