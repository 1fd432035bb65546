import { handleStravaEvent } from '../../src/services/strava-handle-event.js';
import type { Processor } from '../types.js';

export const stravaHandleEvent: Processor<'strava.handle-event'> = async (deps, { eventId }, { log }) => {
  const result = await handleStravaEvent(deps, eventId);
  log.info({ eventId, outcome: result.outcome }, 'strava event handled');
  return result;
};
