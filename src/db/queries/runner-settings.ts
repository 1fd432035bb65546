import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { runners } from '../schema/index.js';
import type { RunnerRow } from './runners.js';

export type RunnerSettingsSet = Partial<
  Pick<RunnerRow, 'name' | 'timezone' | 'email' | 'morningPromptTime' | 'quietStart' | 'quietEnd' | 'restDayCheck' | 'updatedAt'>
>;

/** Change a runner's name, zone, e-mail and prompt settings; returns the changed row. */
export async function updateRunnerSettingsRow(db: DbOrTx, runnerId: string, set: RunnerSettingsSet): Promise<RunnerRow | null> {
  const [row] = await db.update(runners).set(set).where(eq(runners.id, runnerId)).returning();
  return row ?? null;
}
