import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { connections, type Provider } from '../db/schema/index.js';

export type ConnectionValues = Omit<typeof connections.$inferInsert, 'id' | 'runnerId' | 'provider' | 'externalAthleteId' | 'createdAt'>;

export type SaveConnectionResult = { kind: 'saved'; id: string; reconnected: boolean } | { kind: 'athlete_taken' } | { kind: 'other_athlete_connected' };

/**
 * Store a runner's link to a provider account after OAuth (Strava, Garmin), in one transaction:
 * an external account linked to another runner → `athlete_taken`; this runner already linked to a
 * different external account → `other_athlete_connected`; the same pair again → updated in place
 * (a reconnect, e.g. after a revocation).
 */
export async function saveConnection(db: Db, provider: Provider, runnerId: string, externalAthleteId: string, values: ConnectionValues): Promise<SaveConnectionResult> {
  return db.transaction(async (tx) => {
    const [byAthlete] = await tx.select().from(connections).where(and(eq(connections.provider, provider), eq(connections.externalAthleteId, externalAthleteId)));
    if (byAthlete && byAthlete.runnerId !== runnerId) return { kind: 'athlete_taken' as const };
    const [byRunner] = await tx.select().from(connections).where(and(eq(connections.provider, provider), eq(connections.runnerId, runnerId)));
    if (byRunner && byRunner.externalAthleteId !== externalAthleteId) return { kind: 'other_athlete_connected' as const };
    if (byRunner) {
      await tx.update(connections).set(values).where(eq(connections.id, byRunner.id));
      return { kind: 'saved' as const, id: byRunner.id, reconnected: true };
    }
    const [row] = await tx.insert(connections).values({ runnerId, provider, externalAthleteId, ...values }).returning({ id: connections.id });
    return { kind: 'saved' as const, id: row!.id, reconnected: false };
  });
}
