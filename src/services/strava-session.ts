import { createStravaApi, StravaApiError, type StravaApi } from '../integrations/strava/client.js';
import { parseRateLimitHeaders, retryAfter429, StravaRateLimits, type BudgetClass } from '../integrations/strava/rate-limit.js';
import { PermanentJobError } from '../lib/errors.js';
import { getAccessToken, markNeedsReauth, type TokenDeps } from './strava-token.js';

/**
 * Strava calls for one connection within one job. Before each call the shared budget is checked
 * (a nearly spent budget throws RateLimitedError, which the processor turns into a delay that costs
 * no attempt); a 429 blocks every worker until the next window; a 401 refreshes once and retries,
 * and a 401 with a freshly refreshed token means the athlete revoked access (needs_reauth).
 */

export type SessionDeps = TokenDeps & { env: TokenDeps['env'] & { STRAVA_API_URL: string } };

/** The job must wait until `until` (rate limits); not a failure. */
export class RateLimitedError extends Error {
  constructor(
    readonly until: Date,
    readonly why: string,
  ) {
    super(`Strava rate limit: waiting until ${until.toISOString()} (${why})`);
    this.name = 'RateLimitedError';
  }
}

export function rateLimitsFor(deps: Pick<SessionDeps, 'redis' | 'env' | 'now'>): StravaRateLimits {
  return new StravaRateLimits(deps.redis, deps.env.REDIS_PREFIX, deps.now);
}

export class StravaSession {
  private token: string | null = null;
  private api: StravaApi | null = null;
  private fresh = false;
  private readonly limits: StravaRateLimits;

  constructor(
    private readonly deps: SessionDeps,
    private readonly connectionId: string,
    private readonly budget: BudgetClass,
  ) {
    this.limits = rateLimitsFor(deps);
  }

  private async open(rejected?: string): Promise<StravaApi> {
    const t = await getAccessToken(this.deps, this.connectionId, rejected ? { rejected } : {});
    this.token = t.token;
    this.fresh = t.refreshed;
    this.api = createStravaApi(t.token, { apiUrl: this.deps.env.STRAVA_API_URL, fetch: this.deps.fetch, rateLimits: this.limits });
    return this.api;
  }

  async call<T>(fn: (api: StravaApi) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const decision = await this.limits.check(this.budget);
      if (!decision.ok) throw new RateLimitedError(decision.until, `${decision.window} budget ${Math.round(decision.usedShare * 100)} % used`);
      const api = this.api ?? (await this.open());
      try {
        return await fn(api);
      } catch (err) {
        if (!(err instanceof StravaApiError)) throw err;
        if (err.status === 429) {
          const until = retryAfter429(parseRateLimitHeaders(err.headers), this.deps.now());
          await this.limits.block(until);
          throw new RateLimitedError(until, '429 from Strava');
        }
        if (err.status === 401) {
          if (this.fresh || attempt > 0) {
            await markNeedsReauth(this.deps, this.connectionId, 'unauthorized_after_refresh');
            throw new PermanentJobError('strava_unauthorized', 'Strava answered 401 to a freshly refreshed token: access was revoked');
          }
          await this.open(this.token ?? undefined);
          continue;
        }
        throw err;
      }
    }
  }
}
