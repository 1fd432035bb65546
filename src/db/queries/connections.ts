import { and, eq, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../client.js';
import { connections, type Provider } from '../schema/index.js';

/**
 * Queries on `connections` (a runner's link to a platform). Platform ids are strings here: the
 * column is text, and a platform added through the registry (docs/architecture.md) needs no
 * migration.
 */

export type ConnectionRow = typeof connections.$inferSelect;
export type ConnectionValues = Omit<typeof connections.$inferInsert, 'id' | 'runnerId' | 'provider' | 'externalAthleteId' | 'createdAt'>;
export type SaveConnectionResult = { kind: 'saved'; id: string; reconnected: boolean } | { kind: 'athlete_taken' } | { kind: 'other_athlete_connected' };

const asProvider = (id: string) => id as Provider;

export async function findConnection(db: DbOrTx, id: string): Promise<ConnectionRow | undefined> {
  const [row] = await db.select().from(connections).where(eq(connections.id, id));
  return row;
}

/** The connection a webhook names, by the platform's account id. */
export async function findConnectionByAccount(db: DbOrTx, provider: string, externalAthleteId: string): Promise<ConnectionRow | undefined> {
  const [row] = await db
    .select()
    .from(connections)
    .where(and(eq(connections.provider, asProvider(provider)), eq(connections.externalAthleteId, externalAthleteId)));
  return row;
}

export async function findRunnerConnection(db: DbOrTx, runnerId: string, provider: string): Promise<ConnectionRow | undefined> {
  const [row] = await db
    .select()
    .from(connections)
    .where(and(eq(connections.runnerId, runnerId), eq(connections.provider, asProvider(provider))));
  return row;
}

/** Read the status FOR SHARE inside a transaction: a concurrent revoke waits for it (or committed first). */
export async function lockConnectionStatus(tx: DbOrTx, id: string): Promise<string | undefined> {
  const [row] = await tx.select({ status: connections.status }).from(connections).where(eq(connections.id, id)).for('share');
  return row?.status;
}

/**
 * Store a runner's link to a platform account after OAuth, in one transaction: an external account
 * linked to another runner → `athlete_taken`; this runner already linked to a different external
 * account → `other_athlete_connected`; the same pair again → updated in place (a reconnect, e.g.
 * after a revocation).
 */
export async function saveConnection(
  db: Db,
  provider: string,
  runnerId: string,
  externalAthleteId: string,
  values: ConnectionValues,
): Promise<SaveConnectionResult> {
  const p = asProvider(provider);
  return db.transaction(async (tx) => {
    const [byAthlete] = await tx
      .select()
      .from(connections)
      .where(and(eq(connections.provider, p), eq(connections.externalAthleteId, externalAthleteId)));
    if (byAthlete && byAthlete.runnerId !== runnerId) return { kind: 'athlete_taken' as const };
    const [byRunner] = await tx
      .select()
      .from(connections)
      .where(and(eq(connections.provider, p), eq(connections.runnerId, runnerId)));
    if (byRunner && byRunner.externalAthleteId !== externalAthleteId) return { kind: 'other_athlete_connected' as const };
    if (byRunner) {
      await tx.update(connections).set(values).where(eq(connections.id, byRunner.id));
      return { kind: 'saved' as const, id: byRunner.id, reconnected: true };
    }
    const [row] = await tx
      .insert(connections)
      .values({ runnerId, provider: p, externalAthleteId, ...values })
      .returning({ id: connections.id });
    return { kind: 'saved' as const, id: row!.id, reconnected: false };
  });
}

/** Set some columns of one connection (status, scopes, backfill progress, …). */
export async function updateConnection(db: DbOrTx, id: string, values: Partial<ConnectionValues>): Promise<void> {
  await db.update(connections).set(values).where(eq(connections.id, id));
}

/** A refreshed token pair, in one transaction: the old refresh token may already be dead upstream. */
export async function storeTokens(
  db: Db,
  id: string,
  enc: { accessTokenEnc: string; refreshTokenEnc: string; tokenExpiresAt: Date },
  now: Date,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .update(connections)
      .set({ ...enc, updatedAt: now })
      .where(eq(connections.id, id));
  });
}

/** Wipe the tokens and mark the connection revoked; the row stays so late events are recognised. */
export async function markConnectionRevoked(db: DbOrTx, id: string, reason: string, now: Date): Promise<{ runnerId: string; provider: string } | undefined> {
  const [row] = await db
    .update(connections)
    .set({ accessTokenEnc: null, refreshTokenEnc: null, tokenExpiresAt: null, status: 'revoked', statusReason: reason, updatedAt: now })
    .where(eq(connections.id, id))
    .returning({ runnerId: connections.runnerId, provider: connections.provider });
  return row;
}

/** Strava backfill, page 1: the listing starts; progress restarts from zero. */
export async function startBackfillListing(
  db: DbOrTx,
  conn: Pick<ConnectionRow, 'id' | 'meta'>,
  window: { after: number; before: number },
  now: Date,
): Promise<void> {
  await db
    .update(connections)
    .set({
      backfillStatus: 'running',
      backfillTotal: 0,
      backfillDone: 0,
      meta: { ...(conn.meta ?? {}), backfill: { ...window, listed: false } },
      updatedAt: now,
    })
    .where(eq(connections.id, conn.id));
}

/**
 * One listed page: `queued` more activities to fetch; `more` pages to come or not. Done when the
 * listing is complete and every fetch has already reported.
 */
export async function addBackfillPage(db: DbOrTx, id: string, queued: number, more: boolean, now: Date): Promise<{ total: number; done: number } | undefined> {
  const [row] = await db
    .update(connections)
    .set({
      backfillTotal: sql`${connections.backfillTotal} + ${queued}`,
      meta: sql`jsonb_set(coalesce(${connections.meta}, '{}'::jsonb), '{backfill,listed}', ${more ? 'false' : 'true'}::jsonb, true)`,
      backfillStatus: sql`case when ${!more} and ${connections.backfillDone} >= ${connections.backfillTotal} + ${queued} then 'done' else 'running' end`,
      updatedAt: now,
    })
    .where(eq(connections.id, id))
    .returning({ total: connections.backfillTotal, done: connections.backfillDone });
  return row;
}

/** One backfilled activity finished; done when the listing is complete and every fetch reported. */
export async function addBackfillDone(db: DbOrTx, id: string, now: Date): Promise<{ done: number; total: number; status: string } | undefined> {
  const [row] = await db
    .update(connections)
    .set({
      backfillDone: sql`least(${connections.backfillDone} + 1, ${connections.backfillTotal})`,
      backfillStatus: sql`case when coalesce((${connections.meta} #>> '{backfill,listed}')::boolean, false) and ${connections.backfillDone} + 1 >= ${connections.backfillTotal} then 'done' else ${connections.backfillStatus} end`,
      updatedAt: now,
    })
    .where(eq(connections.id, id))
    .returning({ done: connections.backfillDone, total: connections.backfillTotal, status: connections.backfillStatus });
  return row;
}
