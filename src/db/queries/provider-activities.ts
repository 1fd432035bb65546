import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { activities } from '../schema/index.js';
import type { ActivityRow } from './activities.js';

/** A platform's activity for a runner by the platform's id (session 0: the activity's row), deleted or not. */
export async function findActivityByExternalId(db: DbOrTx, runnerId: string, source: string, externalId: string): Promise<ActivityRow | undefined> {
  const [row] = await db
    .select()
    .from(activities)
    .where(
      and(
        eq(activities.runnerId, runnerId),
        eq(activities.source, source as ActivityRow['source']),
        eq(activities.externalId, externalId),
        eq(activities.sessionIndex, 0),
      ),
    );
  return row;
}
