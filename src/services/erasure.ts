import type { Db, DbOrTx } from '../db/client.js';
import {
  deleteInboxRows,
  deleteRunnerRows,
  insertErasure,
  listInboxRowsOf,
  listRunnerAccounts,
  listRunnerJobSubjects,
  redactSharedGarminInboxRows,
} from '../db/queries/erasure.js';
import { lockRunner } from '../db/queries/runners.js';
import type { ErasureCounts } from '../db/schema/index.js';
import { providersOf, type ProviderRegistry } from '../integrations/registry.js';
import type { Enqueue, Queues } from '../jobs/queues.js';
import { removeJobsNaming } from '../jobs/remove-jobs.js';
import { NotFoundError } from '../lib/errors.js';
import { isUuid } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import { enqueueUpstreamRevokes, keepForUpstreamRevoke } from './connections/upstream-revoke.js';
import { deleteRunnerExportFiles } from './exports/purge.js';

/**
 * Erasure of a runner (GDPR Art. 17; docs/security.md "Erasure of a runner"). In one transaction, holding the
 * runner's row lock (so an ingest waiting on it fails on the missing runner instead of adding a row):
 * the grants of the runner's platform connections are copied for the `connection.revoke-upstream` job
 * (which needs no runner row), every row of every table in RUNNER_OWNED_TABLES is deleted (the
 * webhook inbox rows matched on the runner's platform accounts; a Garmin notification shared with
 * other users loses only the runner's entries), and one audit row goes to `erasures`: the runner's
 * id, when, who asked and the counts per table. After the commit the revoke jobs are queued and every
 * queued, delayed, finished or failed BullMQ job naming the runner or one of its rows is removed.
 */

export interface ErasureResult {
  runnerId: string;
  erasedAt: string;
  /** rows deleted per table; `webhook_events_redacted`: shared Garmin notifications the runner's entries were removed from */
  deleted: ErasureCounts;
  /** platform grants queued for revocation upstream */
  upstreamRevokes: number;
  /** BullMQ jobs removed; `active`: jobs running at that moment (they find nothing to do) */
  jobs: { removed: number; active: number };
}

/** Platforms whose rows RUNNER_OWNED_TABLES matches in SQL; the others' notifications are read by their adapter. */
const MATCHED_IN_SQL = new Set(['strava', 'garmin']);

/**
 * Inbox rows of the runner's accounts on platforms without their own SQL match (the generic path):
 * the adapter's `interpret` says which accounts a notification names; a row naming only the runner's
 * account is deleted, one naming other accounts too is left (its format is the platform's).
 */
async function eraseGenericInboxRows(tx: DbOrTx, registry: ProviderRegistry, runnerId: string, subjects: string[]): Promise<number> {
  let deleted = 0;
  for (const account of await listRunnerAccounts(tx, runnerId)) {
    const provider = registry.find(account.provider);
    if (MATCHED_IN_SQL.has(account.provider) || !provider?.interpret) continue;
    const ids: string[] = [];
    for (const row of await listInboxRowsOf(tx, account.provider)) {
      const users = provider.interpret(row.payload).flatMap((m) => (m.kind === 'ignored' ? [] : [m.externalUserId]));
      if (users.length > 0 && users.every((u) => u === account.externalId)) ids.push(row.id);
    }
    subjects.push(...ids);
    deleted += await deleteInboxRows(tx, ids);
  }
  return deleted;
}

export async function eraseRunner(
  deps: { db: Db; queues: Queues; enqueue: Enqueue; log: Logger; now: () => Date; providers?: ProviderRegistry },
  runnerId: string,
  requestedBy: string,
): Promise<ErasureResult> {
  const notFound = () => new NotFoundError(`runner ${runnerId} not found`, 'runner_not_found');
  if (!isUuid(runnerId)) throw notFound();
  const erasedAt = deps.now();
  // the export zips on disk first (their rows, marked so, go in the transaction below): files cannot roll back
  await deleteRunnerExportFiles(deps, runnerId);
  const done = await deps.db.transaction(async (tx) => {
    if (!(await lockRunner(tx, runnerId))) return undefined;
    const subjects = await listRunnerJobSubjects(tx, runnerId);
    const revokeIds = await keepForUpstreamRevoke(tx, { runnerId }, 'runner_erased');
    const redacted = await redactSharedGarminInboxRows(tx, runnerId);
    const genericInbox = await eraseGenericInboxRows(tx, providersOf(deps), runnerId, subjects);
    const deleted: ErasureCounts = { ...(await deleteRunnerRows(tx, runnerId)), webhook_events_redacted: redacted };
    deleted.webhook_events = (deleted.webhook_events ?? 0) + genericInbox;
    await insertErasure(tx, { runnerId, requestedBy, counts: deleted, erasedAt });
    return { subjects, revokeIds, deleted };
  });
  if (!done) throw notFound();
  await enqueueUpstreamRevokes(deps, done.revokeIds);
  let jobs = { removed: 0, active: 0 };
  try {
    jobs = await removeJobsNaming(deps.queues, [runnerId, ...done.subjects]);
  } catch (err) {
    // the rows are gone already: a job left behind finds nothing to do
    deps.log.warn({ runnerId, err }, 'erasure: could not remove the queued jobs');
  }
  deps.log.info({ runnerId, requestedBy, deleted: done.deleted, upstreamRevokes: done.revokeIds.length, jobs }, 'runner erased');
  return { runnerId, erasedAt: erasedAt.toISOString(), deleted: done.deleted, upstreamRevokes: done.revokeIds.length, jobs };
}
