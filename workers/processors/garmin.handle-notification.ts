import { handleGarminNotification } from '../../src/services/garmin/handle-event.js';
import type { Processor } from '../types.js';

export const garminHandleNotification: Processor<'garmin.handle-notification'> = async (deps, { eventId }, { log }) => {
  const result = await handleGarminNotification(deps, eventId);
  log.info({ eventId, outcome: result.outcome }, 'garmin notification handled');
  return result;
};
