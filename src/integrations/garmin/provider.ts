import type { Env } from '../../config/env.js';
import { NotConfiguredError } from '../../lib/errors.js';
import type { Provider } from '../provider.js';
import { GarminApiError, GarminClient, parseCallbackHosts } from './client.js';
import { authorizeUrl, exchangeCode, isRefusedGrant, refreshAccessToken, REQUIRED_PERMISSION, type GarminOAuthConfig } from './oauth.js';

/** As for Strava: 12 weeks of history so the weekly rules have a baseline from the first day. */
export const GARMIN_BACKFILL_DAYS = 84;

/** The one place Garmin's OAuth settings are read from the environment. */
export function garminOAuthConfig(env: Pick<Env, 'garmin' | 'GARMIN_OAUTH_URL' | 'GARMIN_TOKEN_URL'>): GarminOAuthConfig {
  if (!env.garmin) throw new NotConfiguredError('Garmin');
  return { oauthUrl: env.GARMIN_OAUTH_URL, tokenUrl: env.GARMIN_TOKEN_URL, clientId: env.garmin.clientId, clientSecret: env.garmin.clientSecret };
}

/** The one place a GarminClient is built from the environment. */
export function garminClient(ctx: { env: Pick<Env, 'GARMIN_API_URL' | 'GARMIN_CALLBACK_HOSTS'>; fetch: typeof fetch }, accessToken: string): GarminClient {
  return new GarminClient({ apiUrl: ctx.env.GARMIN_API_URL, callbackHosts: parseCallbackHosts(ctx.env.GARMIN_CALLBACK_HOSTS) }, ctx.fetch, accessToken);
}

function grantOf(t: { access_token: string; refresh_token: string; expires_in: number }, now: Date) {
  return { accessToken: t.access_token, refreshToken: t.refresh_token, expiresAt: new Date(now.getTime() + t.expires_in * 1000) };
}

/**
 * Garmin behind the Provider interface (docs/platforms.md, "Garmin"): OAuth 2 with PKCE; the stable
 * user id and the granted permissions are asked of the API after the code exchange; a disconnect
 * deletes the user's registration.
 */
export const garminProvider: Provider<GarminClient> = {
  id: 'garmin',
  label: 'Garmin',
  requiredScope: REQUIRED_PERMISSION,
  pkce: true,
  inboxJob: 'garmin.handle-notification',
  pages: {
    connected: [
      'Your Garmin account is connected. Your activities from the last 12 weeks are being requested from Garmin now and will arrive over the next minutes; new runs you sync from your watch will arrive on their own.',
      'You can close this page.',
    ],
    missingScope: {
      title: 'Activity sharing is switched off',
      paragraphs: [
        `Garmin was connected without permission to share your activities (${REQUIRED_PERMISSION}), so no run would ever reach us. Nothing was saved.`,
        'Please connect again and, on Garmin’s permission page, leave “Activities” switched on. If you turned it off later in Garmin Connect (Settings → Connected Apps), switch it back on there.',
      ],
    },
    startSummary: "Start connecting a runner's Garmin account (OAuth 2 + PKCE; redirects to Garmin)",
    callbackSummary: 'OAuth callback: checks state, exchanges the code with the PKCE verifier, checks ACTIVITY_EXPORT, stores encrypted tokens',
    missingScopeDescription: 'ACTIVITY_EXPORT not granted',
  },

  configured: (env) => Boolean(env.garmin),
  authorizeUrl: (env, redirectUri, state, verifier) => authorizeUrl(garminOAuthConfig(env), redirectUri, state, verifier ?? ''),
  async exchangeCode(ctx, input) {
    return grantOf(
      await exchangeCode(garminOAuthConfig(ctx.env), ctx.fetch, { code: input.code, verifier: input.verifier ?? '', redirectUri: input.redirectUri }),
      ctx.now(),
    );
  },
  async identify(ctx, grant) {
    const client = garminClient(ctx, grant.accessToken);
    return { externalId: await client.getUserId(), scopes: await client.getPermissions() };
  },
  async refresh(ctx, refreshToken) {
    return grantOf(await refreshAccessToken(garminOAuthConfig(ctx.env), ctx.fetch, refreshToken), ctx.now());
  },
  isRefusedGrant,
  isClientError: (err) => err instanceof GarminApiError && err.status >= 400 && err.status < 500,
  isUnauthorized: (err) => err instanceof GarminApiError && err.status === 401,
  isNotFound: (err) => err instanceof GarminApiError && err.status === 404,
  callScope: (ctx) => ({ api: (token) => garminClient(ctx, token) }),
  // DELETE /user/registration (Garmin's programme requires it); only an active grant can say it.
  async revokeUpstream(ctx, conn, call) {
    if (!ctx.env.garmin || conn.status !== 'active') return false;
    await call((api) => api.deleteRegistration());
    return true;
  },
  async startBackfill(deps, connectionId) {
    await deps.enqueue('garmin.backfill', { connectionId, days: GARMIN_BACKFILL_DAYS });
  },
};
