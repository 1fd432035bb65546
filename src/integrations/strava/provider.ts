import type { Env } from '../../config/env.js';
import { AppError, NotConfiguredError } from '../../lib/errors.js';
import type { Provider } from '../provider.js';
import { createStravaApi, StravaApiError, type StravaApi } from './client.js';
import {
  authorizeUrl,
  exchangeCode,
  isRefusedGrant,
  parseScopes,
  refreshAccessToken,
  REQUIRED_SCOPE,
  revokeGrant,
  STRAVA_SCOPES,
  type OAuthConfig,
} from './oauth.js';
import { parseRateLimitHeaders, RateLimitedError, rateLimitsFor, retryAfter429 } from './rate-limit.js';

/** 12 weeks of history so the week-on-week rules have a baseline from the first day (docs/rules.md). */
export const BACKFILL_WEEKS = 12;

/** The one place Strava's OAuth settings are read from the environment. */
export function stravaOAuthConfig(env: Pick<Env, 'strava' | 'STRAVA_OAUTH_URL'>): OAuthConfig {
  if (!env.strava) throw new NotConfiguredError('Strava');
  return { oauthUrl: env.STRAVA_OAUTH_URL, clientId: env.strava.clientId, clientSecret: env.strava.clientSecret };
}

/**
 * Strava behind the Provider interface (docs/platforms.md, "Strava"): OAuth 2 without PKCE, scopes
 * reported on the callback, the athlete named in the token answer; every call checks the shared rate
 * budget first and a 429 blocks every worker until the next window.
 */
export const stravaProvider: Provider<StravaApi> = {
  id: 'strava',
  label: 'Strava',
  requiredScope: REQUIRED_SCOPE,
  pkce: false,
  inboxJob: 'strava.handle-event',
  pages: {
    connected: [
      'Your Strava account is connected. Your runs from the last 12 weeks are being imported now, and new runs will arrive on their own after each upload.',
      'You can close this page.',
    ],
    missingScope: {
      title: 'One more permission is needed',
      paragraphs: [
        `Strava was connected without the permission "View data about your private activities" (${REQUIRED_SCOPE}).`,
        'Without it we cannot see runs that are visible only to you, and we are not told when you change an activity’s privacy, so your weekly load would be incomplete.',
        'Please connect again and leave every box on Strava’s permission page ticked.',
      ],
    },
    startSummary: `Start connecting a runner's Strava account (redirects to Strava; scopes ${STRAVA_SCOPES.join(',')})`,
    callbackSummary: 'OAuth callback: checks state and scopes, stores encrypted tokens, queues a 12-week backfill',
    missingScopeDescription: `missing ${REQUIRED_SCOPE}`,
  },

  configured: (env) => Boolean(env.strava),
  authorizeUrl: (env, redirectUri, state) => authorizeUrl(stravaOAuthConfig(env), redirectUri, state),
  callbackScopes: (query) => parseScopes(query.scope),
  async exchangeCode(ctx, input) {
    const t = await exchangeCode(stravaOAuthConfig(ctx.env), ctx.fetch, input.code);
    return { accessToken: t.access_token, refreshToken: t.refresh_token, expiresAt: new Date(t.expires_at * 1000), externalId: t.athlete?.id };
  },
  async identify(_ctx, grant, callbackScopes) {
    if (!grant.externalId) throw new AppError(502, 'strava_unexpected', 'Strava did not say which athlete connected');
    return { externalId: grant.externalId, scopes: callbackScopes ?? [] };
  },
  async refresh(ctx, refreshToken) {
    const t = await refreshAccessToken(stravaOAuthConfig(ctx.env), ctx.fetch, refreshToken);
    return { accessToken: t.access_token, refreshToken: t.refresh_token, expiresAt: new Date(t.expires_at * 1000) };
  },
  isRefusedGrant,
  isClientError: (err) => err instanceof StravaApiError && err.status >= 400 && err.status < 500,
  isUnauthorized: (err) => err instanceof StravaApiError && err.status === 401,
  isNotFound: (err) => err instanceof StravaApiError && err.status === 404,
  callScope(ctx, purpose) {
    const limits = rateLimitsFor(ctx);
    return {
      api: (token) => createStravaApi(token, { apiUrl: ctx.env.STRAVA_API_URL, fetch: ctx.fetch, rateLimits: limits }),
      async before() {
        const decision = await limits.check(purpose);
        if (!decision.ok) throw new RateLimitedError(decision.until, `${decision.window} budget ${Math.round(decision.usedShare * 100)} % used`);
      },
      async onError(err) {
        if (err instanceof StravaApiError && err.status === 429) {
          const until = retryAfter429(parseRateLimitHeaders(err.headers), ctx.now());
          await limits.block(until);
          throw new RateLimitedError(until, '429 from Strava');
        }
      },
    };
  },
  // POST /oauth/revoke with the refresh token (it revokes its access token too), whatever the status.
  async revokeUpstream(ctx, conn) {
    if (!ctx.env.strava || !conn.refreshToken) return false;
    await revokeGrant(stravaOAuthConfig(ctx.env), ctx.fetch, conn.refreshToken);
    return true;
  },
  async startBackfill(deps, connectionId) {
    await deps.enqueue('strava.backfill', { connectionId, weeks: BACKFILL_WEEKS, page: 1 });
  },
};
