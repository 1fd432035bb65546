import { deriveStoredActivity } from '../../src/services/strava/derive.js';
import { schedulePromptsForRun } from '../../src/services/prompts/schedule.js';
import type { Processor } from '../types.js';

export const runDerive: Processor<'run.derive'> = async (deps, { activityId }, { log }) => {
  const outcome = await deriveStoredActivity(deps, activityId);
  log.info({ activityId, ...outcome }, 'run derived');
  // pain prompts (idempotent: a re-derive or an update keeps the one prompt set; a ride cancels it)
  if (outcome.status === 'ready') await schedulePromptsForRun(deps, outcome.activityId);
  return outcome;
};
