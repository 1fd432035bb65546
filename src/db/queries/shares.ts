import { and, desc, eq, gt, isNotNull, isNull, ne } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { runnerSessions, runnerShares } from '../schema/index.js';

export type ShareRow = typeof runnerShares.$inferSelect;
/** A share with the session it was created from (its device and sign-in time; nulls for API-made shares). */
export type ShareWithOrigin = ShareRow & { createdByDevice: string | null; createdBySessionAt: Date | null };
export type NewShare = typeof runnerShares.$inferInsert;

export async function insertShare(db: DbOrTx, values: NewShare): Promise<ShareRow> {
  const [row] = await db.insert(runnerShares).values(values).returning();
  return row!;
}

/** A runner's shares, newest first, each with the device and sign-in time of the session that created it. */
export async function listSharesOf(db: DbOrTx, runnerId: string): Promise<ShareWithOrigin[]> {
  const rows = await db
    .select({ share: runnerShares, device: runnerSessions.device, sessionAt: runnerSessions.createdAt })
    .from(runnerShares)
    .leftJoin(runnerSessions, eq(runnerSessions.id, runnerShares.createdBySession))
    .where(eq(runnerShares.runnerId, runnerId))
    .orderBy(desc(runnerShares.createdAt));
  return rows.map((r) => ({ ...r.share, createdByDevice: r.device, createdBySessionAt: r.sessionAt }));
}

/**
 * Withdraw a runner's live shares that were created from a page session other than `keepSessionId`
 * (every session's when it is null); shares made through the API are kept. Returns the withdrawn ones.
 */
export async function revokeSharesFromOtherSessions(db: DbOrTx, runnerId: string, keepSessionId: string | null, now: Date): Promise<ShareRow[]> {
  return db
    .update(runnerShares)
    .set({ revokedAt: now })
    .where(
      and(
        eq(runnerShares.runnerId, runnerId),
        isNull(runnerShares.revokedAt),
        gt(runnerShares.expiresAt, now),
        isNotNull(runnerShares.createdBySession),
        keepSessionId ? ne(runnerShares.createdBySession, keepSessionId) : undefined,
      ),
    )
    .returning();
}

/** Ownership is part of the lookup: another runner's share is simply not found. With the session it was created from. */
export async function findRunnerShare(db: DbOrTx, runnerId: string, id: string): Promise<ShareWithOrigin | undefined> {
  const [row] = await db
    .select({ share: runnerShares, device: runnerSessions.device, sessionAt: runnerSessions.createdAt })
    .from(runnerShares)
    .leftJoin(runnerSessions, eq(runnerSessions.id, runnerShares.createdBySession))
    .where(and(eq(runnerShares.id, id), eq(runnerShares.runnerId, runnerId)));
  return row && { ...row.share, createdByDevice: row.device, createdBySessionAt: row.sessionAt };
}

export async function revokeShareRow(db: DbOrTx, id: string, now: Date): Promise<ShareRow | undefined> {
  const [row] = await db.update(runnerShares).set({ revokedAt: now }).where(eq(runnerShares.id, id)).returning();
  return row;
}

/** The live (unrevoked, unexpired) share with this token hash, its opening recorded; undefined otherwise. */
export async function openLiveShare(db: DbOrTx, tokenHash: string, now: Date): Promise<ShareRow | undefined> {
  const [row] = await db
    .update(runnerShares)
    .set({ lastOpenedAt: now })
    .where(and(eq(runnerShares.tokenHash, tokenHash), isNull(runnerShares.revokedAt), gt(runnerShares.expiresAt, now)))
    .returning();
  return row;
}

/** The share behind a token hash whatever its state (an expired or revoked link answers 410, not 404). */
export async function findShareByTokenHash(db: DbOrTx, tokenHash: string): Promise<ShareRow | undefined> {
  const [row] = await db.select().from(runnerShares).where(eq(runnerShares.tokenHash, tokenHash));
  return row;
}
