import { DelayedError } from 'bullmq';
import type { AppDeps } from '../../src/deps.js';
import { recordBackfillProgress } from '../../src/services/strava/backfill.js';
import { fetchStravaActivity } from '../../src/services/strava/fetch-activity.js';
import { RateLimitedError } from '../../src/integrations/strava/rate-limit.js';
import type { JobContext, Processor } from '../types.js';

/** Spread of a delayed batch: 2 % of the wait, at most 5 s, so a queue does not wake in one burst. */
function jitterMs(waitMs: number): number {
  return Math.floor(Math.random() * Math.min(5_000, waitMs * 0.02));
}

/**
 * Run a Strava job; when the shared budget is spent (or Strava said 429) move the job to delayed
 * until the next window. DelayedError costs no attempt, so a rate limit never loses a job. The
 * window comes from the injected clock; BullMQ schedules on the real one, so only the wait carries.
 */
export async function withRateLimitDelay<T>(deps: Pick<AppDeps, 'now'>, ctx: JobContext, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof RateLimitedError)) throw err;
    const waitMs = Math.max(0, err.until.getTime() - deps.now().getTime());
    const delayMs = waitMs + jitterMs(waitMs);
    ctx.log.info({ until: err.until.toISOString(), delayMs, why: err.why }, 'strava budget spent; job delayed');
    await ctx.job.moveToDelayed(Date.now() + delayMs, ctx.token);
    throw new DelayedError();
  }
}

export const stravaFetchActivity: Processor<'strava.fetch-activity'> = async (deps, payload, ctx) => {
  const isBackfill = payload.reason === 'backfill';
  try {
    const outcome = await withRateLimitDelay(deps, ctx, () => fetchStravaActivity(deps, payload));
    ctx.log.info({ stravaActivityId: payload.stravaActivityId, reason: payload.reason, ...outcome }, 'strava activity fetched');
    if (isBackfill) await recordBackfillProgress(deps, payload.connectionId);
    return outcome;
  } catch (err) {
    // A backfilled activity that can never be fetched still counts as handled for progress.
    if (isBackfill && ctx.isFinalAttempt(err)) await recordBackfillProgress(deps, payload.connectionId);
    throw err;
  }
};
