import { and, asc, desc, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { StoredEvidence } from '../../domain/rules/warnings.js';
import type { DbOrTx } from '../client.js';
import { warnings } from '../schema/index.js';

export type WarningRow = typeof warnings.$inferSelect;

export async function listWarnings(db: DbOrTx, runnerId: string, filter: { status?: 'open' | 'resolved'; weeks?: string[] } = {}): Promise<WarningRow[]> {
  const conds = [eq(warnings.runnerId, runnerId)];
  if (filter.status) conds.push(eq(warnings.status, filter.status));
  if (filter.weeks) conds.push(inArray(warnings.week, filter.weeks));
  return db
    .select()
    .from(warnings)
    .where(and(...conds))
    .orderBy(desc(warnings.week), asc(warnings.code));
}

/**
 * Open (or re-open) the one warning of a runner/week/code with this finding: the unique key makes a
 * re-evaluation update the row in place, never add a second one. Returns the row's id.
 */
export async function upsertOpenWarning(
  db: DbOrTx,
  key: { runnerId: string; week: string; code: string },
  w: { severity: string; provisional: boolean; message: string; evidence: StoredEvidence },
  now: Date,
): Promise<string> {
  const [row] = await db
    .insert(warnings)
    .values({ ...key, status: 'open', ...w })
    .onConflictDoUpdate({
      target: [warnings.runnerId, warnings.week, warnings.code],
      set: { status: 'open', ...w, resolvedAt: null, updatedAt: now },
    })
    .returning({ id: warnings.id });
  return row!.id;
}

/** Resolve the week's open warnings whose code is not among `firing`; returns the rows resolved. */
export async function resolveWarningsExcept(db: DbOrTx, runnerId: string, week: string, firing: readonly string[], now: Date): Promise<WarningRow[]> {
  return db
    .update(warnings)
    .set({ status: 'resolved', resolvedAt: now, updatedAt: now })
    .where(
      and(
        eq(warnings.runnerId, runnerId),
        eq(warnings.week, week),
        eq(warnings.status, 'open'),
        firing.length ? notInArray(warnings.code, [...firing]) : sql`true`,
      ),
    )
    .returning();
}
