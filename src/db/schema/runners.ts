import { sql } from 'drizzle-orm';
import { date, integer, jsonb, numeric, pgTable, text, timestamp, uuid, boolean, uniqueIndex } from 'drizzle-orm/pg-core';

/** A runner with kneecap pain; the owner of every other row. */
export const runners = pgTable('runners', {
  id: uuid().primaryKey().default(sql`gen_random_uuid()`),
  name: text().notNull(),
  /** IANA zone of the runner's profile: prompts and uploads without an offset use it */
  timezone: text().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/** A gait-retraining cadence goal (domain.md §7); one active goal per runner. */
export const cadenceGoals = pgTable(
  'cadence_goals',
  {
    id: uuid().primaryKey().default(sql`gen_random_uuid()`),
    runnerId: uuid()
      .notNull()
      .references(() => runners.id, { onDelete: 'cascade' }),
    baselineSpm: numeric({ mode: 'number' }),
    targetSpm: numeric({ mode: 'number' }),
    targetPct: numeric({ mode: 'number' }),
    startDate: date({ mode: 'string' }).notNull(),
    active: boolean().notNull().default(true),
    /** weeks to reach the target, e.g. 4–8 */
    rampWeeks: integer(),
    details: jsonb().$type<Record<string, unknown>>(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('cadence_goals_one_active').on(t.runnerId).where(sql`${t.active}`)],
);
