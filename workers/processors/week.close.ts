import { closeEndedWeeks } from '../../src/services/close-weeks.js';
import type { Processor } from '../types.js';

export const weekClose: Processor<'week.close'> = async (deps, _payload, { log }) => {
  const weeks = await closeEndedWeeks(deps);
  if (weeks > 0) log.info({ weeks }, 'ended weeks queued for their binding check');
  return { weeks };
};
