import { UnrecoverableError, type Job } from 'bullmq';
import type { AppDeps } from '../src/deps.js';
import { failPendingActivity } from '../src/db/queries/activities.js';
import { findConnection } from '../src/db/queries/connections.js';
import { setExportFailed } from '../src/db/queries/exports.js';
import { listActivityIdsByExternalId } from '../src/db/queries/provider-activities.js';
import { isJobName, JOBS, type JobName, type JobPayload } from '../src/jobs/catalog.js';
import { isStalledFailure } from '../src/jobs/attempts.js';
import { PermanentJobError } from '../src/lib/errors.js';
import { safeErrorMessage } from '../src/lib/log-redact.js';
import { findGarminActivity, recordFetchFailure } from '../src/services/garmin/fetch-activity.js';
import { activityFileEntry } from '../src/services/garmin/handle-event.js';
import { failNotification } from '../src/services/notify.js';

/**
 * What a job that failed for good leaves behind. Every job that owns a visible state (an activity,
 * a push) moves it to `failed` with a reason, so nothing sits in `processing` or `pending` after its
 * job is gone. Called from the workers' `failed` event on the final attempt, for permanent errors
 * and for jobs given up after crashing their worker too often (stalled).
 */

export interface FailureReason {
  code: string;
  message: string;
}

/**
 * The stored reason: the permanent error's code when there is one, else a generic code. The message
 * is masked (safeErrorMessage): it is stored on the row and the API shows it.
 */
export function failureReason(err: Error): FailureReason {
  const message = safeErrorMessage(err);
  if (err instanceof PermanentJobError) return { code: err.code, message: message.slice(0, 500) };
  const m = /^([a-z][a-z0-9_]*): (.*)$/s.exec(message);
  if (err instanceof UnrecoverableError && m) return { code: m[1]!, message: m[2]!.slice(0, 500) };
  if (isStalledFailure(err)) return { code: 'job_stalled', message: 'the job crashed its worker too many times' };
  return { code: 'job_failed', message: message.slice(0, 500) };
}

type FinalHandler<N extends JobName> = (deps: AppDeps, payload: JobPayload<N>, reason: FailureReason) => Promise<void>;

async function failActivity(deps: Pick<AppDeps, 'db' | 'now'>, activityId: string, reason: FailureReason): Promise<void> {
  await failPendingActivity(deps.db, activityId, reason, deps.now());
}

/** Job name → what its final failure records. Jobs not listed own no visible state. */
export const FINAL_FAILURE_HANDLERS: { [N in JobName]?: FinalHandler<N> } = {
  'run.import-fit': (deps, p, reason) => failActivity(deps, p.activityId, reason),
  'run.derive': (deps, p, reason) => failActivity(deps, p.activityId, reason),
  'strava.fetch-activity': async (deps, p, reason) => {
    const conn = await findConnection(deps.db, p.connectionId);
    if (!conn) return;
    const rows = await listActivityIdsByExternalId(deps.db, conn.runnerId, 'strava', p.stravaActivityId);
    for (const r of rows) await failActivity(deps, r.id, reason);
  },
  'garmin.fetch-fit': async (deps, p, reason) => {
    const conn = await findConnection(deps.db, p.connectionId);
    const entry = conn ? await activityFileEntry(deps.db, p.connectionId, p.eventId, p.entryIndex) : null;
    if (!conn || !entry) return;
    const existing = await findGarminActivity(deps.db, conn.runnerId, String(entry.activityId ?? entry.summaryId));
    if (existing?.fileId) return; // downloaded; its import job owns the row now
    await recordFetchFailure(deps, conn, entry, reason);
  },
  'export.build': async (deps, p, reason) => {
    await setExportFailed(deps.db, p.exportId, reason, deps.now());
  },
  'notify.deliver': (deps, p, reason) => failNotification(deps, p.notificationId, reason.message),
};

/** Called from the workers' `failed` event when isFinalAttempt (src/jobs/attempts.ts) says so. */
export async function recordFinalFailure(deps: AppDeps, job: Pick<Job, 'name' | 'data'>, err: Error): Promise<void> {
  if (isJobName(job.name)) await recordFor(deps, job.name, job.data, err);
}

async function recordFor<N extends JobName>(deps: AppDeps, name: N, data: unknown, err: Error): Promise<void> {
  const handler: FinalHandler<N> | undefined = FINAL_FAILURE_HANDLERS[name];
  if (!handler) return;
  const parsed = JOBS[name].payload.safeParse(data);
  if (!parsed.success) return;
  await handler(deps, parsed.data, failureReason(err));
}
