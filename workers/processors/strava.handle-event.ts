import { handleStravaEvent } from '../../src/services/strava/handle-event.js';
import type { Processor } from '../types.js';
import { withRateLimitDelay } from './strava.fetch-activity.js';

/** Confirming a destructive event calls Strava, so a spent budget delays the job like a fetch. */
export const stravaHandleEvent: Processor<'strava.handle-event'> = async (deps, { eventId }, ctx) => {
  const { log } = ctx;
  const result = await withRateLimitDelay(deps, ctx, () => handleStravaEvent(deps, eventId));
  log.info({ eventId, outcome: result.outcome }, 'strava event handled');
  return result;
};
