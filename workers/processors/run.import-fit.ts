import { importFitActivity } from '../../src/services/import-fit.js';
import type { Processor } from '../types.js';

export const runImportFit: Processor<'run.import-fit'> = async (deps, { activityId }, { log }) => {
  const outcome = await importFitActivity(deps, activityId);
  if (outcome.status === 'failed') log.warn({ activityId, code: outcome.code, reason: outcome.message }, 'FIT file rejected');
  else log.info({ activityId, ...outcome }, 'FIT imported');
  return outcome;
};
