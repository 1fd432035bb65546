import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { activities } from '../schema/index.js';
import type { ActivityRow, NewActivity } from './activities.js';

/** Queries on `activities` rows that came from a platform (Strava, Garmin): found by the platform's activity id, written from a fetch or a download. */

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

/** Ids of every session row of a platform's activity for a runner (deleted or not). */
export async function listActivityIdsByExternalId(
  db: DbOrTx,
  runnerId: string,
  source: ActivityRow['source'],
  externalId: string,
): Promise<Array<{ id: string }>> {
  return db
    .select({ id: activities.id })
    .from(activities)
    .where(and(eq(activities.runnerId, runnerId), eq(activities.source, source), eq(activities.externalId, externalId)));
}

/** Ids of a runner's activities from one platform that are not deleted yet (what a revoke deletes). */
export async function listLiveActivityIdsOfSource(db: DbOrTx, runnerId: string, source: string): Promise<Array<{ id: string }>> {
  return db
    .select({ id: activities.id })
    .from(activities)
    .where(and(eq(activities.runnerId, runnerId), eq(activities.source, source as ActivityRow['source']), isNull(activities.deletedAt)));
}

/** The Strava activities of a runner already stored among `externalIds` (any session, deleted or not), with status and deletion. */
export async function listKnownStravaActivities(
  db: DbOrTx,
  runnerId: string,
  externalIds: string[],
): Promise<Array<{ externalId: string; status: ActivityRow['status']; deletedAt: Date | null }>> {
  return db
    .select({ externalId: activities.externalId, status: activities.status, deletedAt: activities.deletedAt })
    .from(activities)
    .where(and(eq(activities.runnerId, runnerId), eq(activities.source, 'strava'), inArray(activities.externalId, externalIds)));
}

/** Inserts activity rows, skipping any whose (runner, source, external id, session) already exists. */
export async function insertActivitiesIfAbsent(db: DbOrTx, rows: NewActivity[]): Promise<void> {
  await db.insert(activities).values(rows).onConflictDoNothing();
}

/** Stores a fetched payload as the activity's raw column. */
export async function storeActivityRaw(db: DbOrTx, id: string, raw: NewActivity['raw'], now: Date): Promise<void> {
  await db.update(activities).set({ raw, updatedAt: now }).where(eq(activities.id, id));
}

/** Platform fields written from a fetched activity. */
export type FetchedFields = Pick<NewActivity, 'name' | 'workoutType' | 'gearId' | 'raw' | 'updatedAt'>;

/** Brings a deleted activity back with freshly fetched fields, to be derived again (status `processing`, not counted yet). */
export async function reviveFetchedActivity(db: DbOrTx, id: string, fields: FetchedFields): Promise<ActivityRow | undefined> {
  const [row] = await db
    .update(activities)
    .set({ ...fields, deletedAt: null, deletedReason: null, status: 'processing', countedInLoad: false, duplicateOf: null })
    .where(eq(activities.id, id))
    .returning();
  return row;
}

/** Writes fetched fields onto an activity unless it was deleted meanwhile; undefined when deleted (or gone). */
export async function updateLiveFetchedActivity(db: DbOrTx, id: string, fields: FetchedFields): Promise<ActivityRow | undefined> {
  const [row] = await db
    .update(activities)
    .set(fields)
    .where(and(eq(activities.id, id), isNull(activities.deletedAt)))
    .returning();
  return row;
}

/** Writes fetched fields onto an activity, deleted or not. */
export async function updateFetchedActivity(db: DbOrTx, id: string, fields: FetchedFields): Promise<ActivityRow | undefined> {
  const [row] = await db.update(activities).set(fields).where(eq(activities.id, id)).returning();
  return row;
}

/** Brings a deleted platform activity (first session) back from its stored file, queued for import again; its id, or undefined. */
export async function restoreActivityFromStoredFile(db: DbOrTx, id: string, now: Date): Promise<{ id: string } | undefined> {
  const [row] = await db
    .update(activities)
    .set({ deletedAt: null, deletedReason: null, duplicateOf: null, countedInLoad: false, status: 'queued', error: null, updatedAt: now })
    .where(and(eq(activities.id, id), eq(activities.sessionIndex, 0)))
    .returning({ id: activities.id });
  return row;
}

/** Records a failed download on a placeholder activity (status `failed` with the error). */
export async function setPlaceholderFailed(db: DbOrTx, id: string, error: { code: string; message: string }, now: Date): Promise<void> {
  await db.update(activities).set({ status: 'failed', error, updatedAt: now }).where(eq(activities.id, id));
}

/** Deletes a placeholder activity (one without a file) so the real row can take its place. */
export async function deletePlaceholderActivity(db: DbOrTx, id: string): Promise<void> {
  await db.delete(activities).where(and(eq(activities.id, id), isNull(activities.fileId)));
}
