import { findActivity } from '../../db/queries/activities.js';
import { toRun } from '../../integrations/strava/to-run.js';
import { PermanentJobError } from '../../lib/errors.js';
import { markActivityFailed, saveDerivedRun, type IngestDeps } from '../activities.js';
import { storedPayload } from './fetch-activity.js';

export type DeriveOutcome = { status: 'ready'; activityId: string; isRun: boolean } | { status: 'missing' };

/**
 * `run.derive`: map an activity's stored provider payload into a Run and save its metrics. Only
 * Strava payloads are stored this way (FIT files go through `run.import-fit`).
 */
export async function deriveStoredActivity(deps: IngestDeps, activityId: string): Promise<DeriveOutcome> {
  const activity = await findActivity(deps.db, activityId);
  if (!activity) return { status: 'missing' };
  if (activity.source !== 'strava') throw new PermanentJobError('unsupported_source', `run.derive handles stored Strava payloads, not ${activity.source}`);
  const payload = storedPayload(activity);
  if (!payload) {
    const error = { code: 'strava_payload_unreadable', message: 'the stored Strava payload cannot be read' };
    await markActivityFailed(deps, activityId, error);
    throw new PermanentJobError(error.code, error.message);
  }
  const run = toRun(payload.activity, payload.streams);
  await saveDerivedRun(deps, activityId, run, { name: payload.activity.name ?? null });
  return { status: 'ready', activityId, isRun: run.isRun };
}
