import { and, eq, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { upstreamRevokes } from '../schema/index.js';

export type UpstreamRevokeRow = typeof upstreamRevokes.$inferSelect;

/**
 * Copy what revoking a connection's grant upstream needs (provider, account, status, the encrypted
 * tokens as stored) into `upstream_revokes`, before the connection's tokens are wiped or its runner
 * erased. Nothing for a connection already revoked or holding no token. Returns the new rows' ids.
 */
export async function insertUpstreamRevokesFrom(db: DbOrTx, where: { connectionId: string } | { runnerId: string }, reason: string): Promise<string[]> {
  const match = 'connectionId' in where ? sql`id = ${where.connectionId}` : sql`runner_id = ${where.runnerId}`;
  const res = await db.execute<{ id: string }>(sql`
    insert into upstream_revokes (provider, external_athlete_id, connection_status, access_token_enc, refresh_token_enc, token_expires_at, reason)
    select provider, external_athlete_id, status, access_token_enc, refresh_token_enc, token_expires_at, ${reason}
    from connections
    where ${match} and status <> 'revoked' and (access_token_enc is not null or refresh_token_enc is not null)
    returning id`);
  return res.rows.map((r) => r.id);
}

export async function findUpstreamRevoke(db: DbOrTx, id: string): Promise<UpstreamRevokeRow | undefined> {
  const [row] = await db.select().from(upstreamRevokes).where(eq(upstreamRevokes.id, id));
  return row;
}

/** One more attempt is starting. */
export async function countUpstreamRevokeAttempt(db: DbOrTx, id: string, now: Date): Promise<void> {
  await db
    .update(upstreamRevokes)
    .set({ attempts: sql`${upstreamRevokes.attempts} + 1`, updatedAt: now })
    .where(eq(upstreamRevokes.id, id));
}

/** A refresh during the revoke rotated the tokens (encrypted by the caller). */
export async function storeUpstreamRevokeTokens(
  db: DbOrTx,
  id: string,
  tokens: { accessTokenEnc: string; refreshTokenEnc: string; tokenExpiresAt: Date },
  now: Date,
): Promise<void> {
  await db
    .update(upstreamRevokes)
    .set({ ...tokens, updatedAt: now })
    .where(eq(upstreamRevokes.id, id));
}

export async function recordUpstreamRevokeError(db: DbOrTx, id: string, error: string, now: Date): Promise<void> {
  await db
    .update(upstreamRevokes)
    .set({ lastError: error.slice(0, 500), updatedAt: now })
    .where(eq(upstreamRevokes.id, id));
}

/** Done (or given up): the row and its tokens go. */
export async function deleteUpstreamRevoke(db: DbOrTx, id: string): Promise<void> {
  await db.delete(upstreamRevokes).where(eq(upstreamRevokes.id, id));
}

/** Revokes untouched since `before` (their job may be lost or spent): the recovery sweep's candidates. */
export async function listIdleUpstreamRevokes(db: DbOrTx, before: Date, limit: number): Promise<Array<{ id: string }>> {
  return db.select({ id: upstreamRevokes.id }).from(upstreamRevokes).where(lt(upstreamRevokes.updatedAt, before)).limit(limit);
}

export async function isUpstreamRevokeIdle(db: DbOrTx, id: string, before: Date): Promise<boolean> {
  const [row] = await db
    .select({ id: upstreamRevokes.id })
    .from(upstreamRevokes)
    .where(and(eq(upstreamRevokes.id, id), lt(upstreamRevokes.updatedAt, before)));
  return Boolean(row);
}
