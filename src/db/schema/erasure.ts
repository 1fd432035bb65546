import { integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, idColumn, updatedAt } from './columns.js';

/** Rows removed per table by one erasure (table name → count). */
export type ErasureCounts = Record<string, number>;

/**
 * What remains of an erased runner (docs/security.md "Erasure of a runner"): the runner's id, when, who asked
 * (`api:<key>`, `runner:page`, `operator:cli`) and how many rows of each table went. No reference to
 * `runners`: that row is gone.
 */
export const erasures = pgTable(
  'erasures',
  {
    id: idColumn(),
    runnerId: uuid().notNull(),
    requestedBy: text().notNull(),
    counts: jsonb().$type<ErasureCounts>().notNull(),
    erasedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('erasures_runner').on(t.runnerId)],
);

/**
 * A platform grant still to be revoked upstream (a disconnect whose first attempt failed, or an
 * erasure): what the `connection.revoke-upstream` job needs, tokens AES-GCM encrypted, kept only until
 * the platform confirms or says the grant is gone. No runner or connection reference, so it outlives
 * an erased runner.
 */
export const upstreamRevokes = pgTable('upstream_revokes', {
  id: idColumn(),
  provider: text().notNull(),
  externalAthleteId: text().notNull(),
  /** the connection's status when it was revoked locally (Garmin only deregisters an active grant) */
  connectionStatus: text().notNull(),
  accessTokenEnc: text(),
  refreshTokenEnc: text(),
  tokenExpiresAt: timestamp({ withTimezone: true }),
  reason: text().notNull(),
  attempts: integer().notNull().default(0),
  lastError: text(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});
