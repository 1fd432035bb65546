import { and, asc, eq, isNull, lt, or } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { apiKeys } from '../schema/index.js';

export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type NewApiKey = typeof apiKeys.$inferInsert;

/** The new key, or undefined when the name is already taken. */
export async function insertApiKey(db: DbOrTx, values: NewApiKey): Promise<ApiKeyRow | undefined> {
  const [row] = await db.insert(apiKeys).values(values).onConflictDoNothing({ target: apiKeys.name }).returning();
  return row;
}

export async function findApiKey(db: DbOrTx, id: string): Promise<ApiKeyRow | undefined> {
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, id));
  return row;
}

export async function findApiKeyByName(db: DbOrTx, name: string): Promise<ApiKeyRow | undefined> {
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.name, name));
  return row;
}

/** Every key, revoked ones included, oldest first. */
export async function listApiKeyRows(db: DbOrTx): Promise<ApiKeyRow[]> {
  return db.select().from(apiKeys).orderBy(asc(apiKeys.createdAt), asc(apiKeys.name));
}

/** Revokes the key (a revoked key stays revoked at its first revocation time). */
export async function revokeApiKeyRow(db: DbOrTx, id: string, now: Date): Promise<ApiKeyRow | undefined> {
  await db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));
  return findApiKey(db, id);
}

/** Records a use, unless one was recorded after `since` (so a busy key writes at most once a minute). */
export async function touchApiKey(db: DbOrTx, id: string, now: Date, since: Date): Promise<void> {
  await db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(and(eq(apiKeys.id, id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, since))));
}
