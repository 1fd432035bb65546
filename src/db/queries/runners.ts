import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { connections, runners } from '../schema/index.js';

export type RunnerRow = typeof runners.$inferSelect;

export async function insertRunner(db: DbOrTx, input: { name: string; timezone: string }): Promise<RunnerRow> {
  const [row] = await db.insert(runners).values(input).returning();
  return row!;
}

/**
 * Locks the runner's row until the transaction ends (SELECT … FOR UPDATE): one writer per runner at a
 * time. False when there is no such runner.
 */
export async function lockRunner(tx: DbOrTx, runnerId: string): Promise<boolean> {
  const rows = await tx.select({ id: runners.id }).from(runners).where(eq(runners.id, runnerId)).for('update');
  return rows.length > 0;
}

export async function findRunner(db: DbOrTx, id: string): Promise<RunnerRow | undefined> {
  const [row] = await db.select().from(runners).where(eq(runners.id, id));
  return row;
}

export async function listConnectionsOf(db: DbOrTx, runnerId: string) {
  return db
    .select({
      id: connections.id,
      provider: connections.provider,
      status: connections.status,
      statusReason: connections.statusReason,
      externalAthleteId: connections.externalAthleteId,
      scopes: connections.scopes,
      backfillStatus: connections.backfillStatus,
      backfillTotal: connections.backfillTotal,
      backfillDone: connections.backfillDone,
      createdAt: connections.createdAt,
    })
    .from(connections)
    .where(eq(connections.runnerId, runnerId));
}
