import { and, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { painMornings } from '../schema/index.js';

/** Morning pain of a date: the latest answer wins (next morning, rest day or diary). */
export async function upsertMorning(db: DbOrTx, runnerId: string, localDate: string, pain: number, source: string, now: Date): Promise<void> {
  await db
    .insert(painMornings)
    .values({ runnerId, localDate, pain, source })
    .onConflictDoUpdate({ target: [painMornings.runnerId, painMornings.localDate], set: { pain, source, updatedAt: now } });
}

export async function morningsOn(db: DbOrTx, runnerId: string, dates: readonly string[]) {
  return db
    .select({ localDate: painMornings.localDate, pain: painMornings.pain })
    .from(painMornings)
    .where(and(eq(painMornings.runnerId, runnerId), inArray(painMornings.localDate, [...dates])));
}
