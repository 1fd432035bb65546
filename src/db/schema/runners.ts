import { sql } from 'drizzle-orm';
import { date, doublePrecision, integer, jsonb, numeric, pgTable, text, timestamp, uuid, boolean, uniqueIndex } from 'drizzle-orm/pg-core';
import type { Baseline } from '../../domain/cadence-goal.js';
import { idColumn, createdAt, updatedAt } from './columns.js';

/** How the goal's target was given: as a cadence ('spm') or as a percent of the baseline ('pct'). */
export type CadenceGoalDetails = { targetGiven?: string };

/** The frozen baseline's window, the runs it used and why the default slope was taken (if it was). */
export type CadenceBaselineDetails = Pick<Baseline, 'from' | 'to' | 'firstRunDate' | 'lastRunDate' | 'runs' | 'runIds'> & { slopeReason: string | null };

/** A runner with kneecap pain; the owner of every other row. */
export const runners = pgTable('runners', {
  id: idColumn(),
  name: text().notNull(),
  /** IANA zone of the runner's profile: prompts and uploads without an offset use it */
  timezone: text().notNull(),
  /** where answer links are e-mailed (optional) */
  email: text(),
  /** 'HH:MM' local: the next-morning pain prompt */
  morningPromptTime: text().notNull().default('08:00'),
  /** 'HH:MM' local: no prompt from quietStart until quietEnd */
  quietStart: text().notNull().default('22:00'),
  quietEnd: text().notNull().default('07:00'),
  /** also ask the one-question morning check on rest days */
  restDayCheck: boolean().notNull().default(false),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** The owning runner of a row; deleting the runner deletes the row. */
export const runnerRef = () =>
  uuid()
    .notNull()
    .references(() => runners.id, { onDelete: 'cascade' });

/** A gait-retraining cadence goal (docs/cadence.md); one active goal per runner. */
export const cadenceGoals = pgTable(
  'cadence_goals',
  {
    id: idColumn(),
    runnerId: runnerRef(),
    baselineSpm: numeric({ mode: 'number' }),
    targetSpm: numeric({ mode: 'number' }),
    targetPct: numeric({ mode: 'number' }),
    startDate: date({ mode: 'string' }).notNull(),
    active: boolean().notNull().default(true),
    /** weeks to reach the target, e.g. 4–8 */
    rampWeeks: integer(),
    details: jsonb().$type<CadenceGoalDetails>(),
    /** frozen baseline (domain/cadence-goal.ts): speed, cadence–speed slope and where each came from */
    baselineSpeedMps: doublePrecision(),
    slopeSpmPerMps: doublePrecision(),
    slopeSource: text(),
    /** 'runs' (computed from qualifying runs) or 'given' (set with the goal) */
    baselineSource: text(),
    baselineFrozenAt: timestamp({ withTimezone: true }),
    baselineDetails: jsonb().$type<CadenceBaselineDetails>(),
    /** set while calf pain, a worse morning or a red knee run pauses further cadence steps */
    pausedAt: timestamp({ withTimezone: true }),
    pauseReason: text(),
    pauseActivityId: uuid(),
    /** when the goal was replaced or deleted (active = false) */
    endedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('cadence_goals_one_active')
      .on(t.runnerId)
      .where(sql`${t.active}`),
  ],
);
