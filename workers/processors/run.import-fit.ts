import { importFitActivity } from '../../src/services/import-fit.js';
import { schedulePromptsForRun } from '../../src/services/prompts/schedule.js';
import type { Processor } from '../types.js';

export const runImportFit: Processor<'run.import-fit'> = async (deps, { activityId }, { log }) => {
  const outcome = await importFitActivity(deps, activityId);
  if (outcome.status === 'failed') log.warn({ activityId, code: outcome.code, reason: outcome.message }, 'FIT file rejected');
  else log.info({ activityId, ...outcome }, 'FIT imported');
  // pain prompts of each run that became ready (idempotent: one prompt set per counted run)
  if (outcome.status === 'ready') for (const id of outcome.activityIds) await schedulePromptsForRun(deps, id);
  return outcome;
};
