import { deriveStoredActivity } from '../../src/services/strava-derive.js';
import type { Processor } from '../types.js';

export const runDerive: Processor<'run.derive'> = async (deps, { activityId }, { log }) => {
  const outcome = await deriveStoredActivity(deps, activityId);
  log.info({ activityId, ...outcome }, 'run derived');
  return outcome;
};
