import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { painAnswers } from '../schema/index.js';

export type PainAnswerRow = typeof painAnswers.$inferSelect;
export type PainAnswerInsert = typeof painAnswers.$inferInsert;

/** The answer to one prompt, as given (a changed answer replaces it). */
export async function upsertAnswer(db: DbOrTx, values: PainAnswerInsert): Promise<void> {
  await db.insert(painAnswers).values(values).onConflictDoUpdate({ target: painAnswers.promptId, set: values });
}

export async function findAnswer(db: DbOrTx, promptId: string): Promise<PainAnswerRow | null> {
  const [a] = await db.select().from(painAnswers).where(eq(painAnswers.promptId, promptId));
  return a ?? null;
}
