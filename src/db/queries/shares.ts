import { and, desc, eq, gt, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { runnerShares } from '../schema/index.js';

export type ShareRow = typeof runnerShares.$inferSelect;
export type NewShare = typeof runnerShares.$inferInsert;

export async function insertShare(db: DbOrTx, values: NewShare): Promise<ShareRow> {
  const [row] = await db.insert(runnerShares).values(values).returning();
  return row!;
}

/** A runner's shares, newest first. */
export async function listSharesOf(db: DbOrTx, runnerId: string): Promise<ShareRow[]> {
  return db.select().from(runnerShares).where(eq(runnerShares.runnerId, runnerId)).orderBy(desc(runnerShares.createdAt));
}

/** Ownership is part of the lookup: another runner's share is simply not found. */
export async function findRunnerShare(db: DbOrTx, runnerId: string, id: string): Promise<ShareRow | undefined> {
  const [row] = await db
    .select()
    .from(runnerShares)
    .where(and(eq(runnerShares.id, id), eq(runnerShares.runnerId, runnerId)));
  return row;
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
