import type { Db } from '../../db/client.js';
import { claimEvent, markEventProcessed, recordEventError, type WebhookEventRow } from '../../db/queries/webhook-events.js';
import { safeErrorMessage } from '../../lib/log-redact.js';

/**
 * Handle one inbox row, the same way for every platform: count the attempt, skip a row already
 * processed (a redelivered job), run `route` on it, and store what it decided as the row's outcome —
 * or, when it throws, the error on the row, masked by safeErrorMessage (the job retries; the row stays unprocessed so the sweep
 * still owes it a job). Idempotent: an event already processed is not redone.
 */
export async function processInboxRow<O extends string>(
  deps: { db: Db; now: () => Date },
  eventId: string,
  route: (row: WebhookEventRow) => Promise<O>,
  opts: { provider?: string } = {},
): Promise<{ outcome: O | 'missing' | 'already_processed' }> {
  const row = await claimEvent(deps.db, eventId, opts.provider);
  if (!row) return { outcome: 'missing' };
  if (row.processedAt) return { outcome: 'already_processed' };
  let outcome: O;
  try {
    outcome = await route(row);
  } catch (err) {
    await recordEventError(deps.db, eventId, safeErrorMessage(err));
    throw err;
  }
  await markEventProcessed(deps.db, eventId, outcome, deps.now());
  return { outcome };
}
