import { backfillStravaPage } from '../../src/services/strava/backfill.js';
import type { Processor } from '../types.js';
import { withRateLimitDelay } from './strava.fetch-activity.js';

export const stravaBackfill: Processor<'strava.backfill'> = async (deps, payload, ctx) => {
  const outcome = await withRateLimitDelay(deps, ctx, () => backfillStravaPage(deps, payload));
  if (outcome.status === 'skipped') ctx.log.info({ connectionId: payload.connectionId, reason: outcome.reason }, 'strava backfill skipped');
  return outcome;
};
