import { StravaApiError } from './client.js';
import { StravaTokenResponse } from './types.js';
import { postTokenForm } from '../../lib/token-endpoint.js';

/**
 * Strava OAuth 2 (docs/platforms.md, "Strava"): the authorize URL and a small client
 * for POST {STRAVA_OAUTH_URL}/token — strava-v3's oauth helpers hard-code www.strava.com, so they
 * are not used.
 */

/** read: profile; activity:read_all: Only-You activities and privacy-change webhooks. */
export const STRAVA_SCOPES = ['read', 'activity:read_all'] as const;
export const REQUIRED_SCOPE = 'activity:read_all';

const REQUEST_TIMEOUT_MS = 15_000;

export interface OAuthConfig {
  oauthUrl: string;
  clientId: string;
  clientSecret: string;
}

/** Scopes the athlete granted, from the callback's comma-separated `scope`. */
export function parseScopes(scope: unknown): string[] {
  return typeof scope === 'string' ? scope.split(/[,\s]+/).filter(Boolean) : [];
}

export function authorizeUrl(cfg: Pick<OAuthConfig, 'oauthUrl' | 'clientId'>, redirectUri: string, state: string): string {
  const base = cfg.oauthUrl.replace(/\/+$/, '');
  const q = new URLSearchParams({
    client_id: cfg.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    approval_prompt: 'auto',
    scope: STRAVA_SCOPES.join(','),
    state,
  });
  // Strava's documented form keeps the scope list's commas and colons literal.
  return `${base}/authorize?${q.toString().replace(/%2C/g, ',').replace(/%3A/g, ':')}`;
}

function postToken(cfg: OAuthConfig, fetchFn: typeof fetch, form: Record<string, string>): Promise<StravaTokenResponse> {
  return postTokenForm(
    {
      url: `${cfg.oauthUrl.replace(/\/+$/, '')}/token`,
      form: { client_id: cfg.clientId, client_secret: cfg.clientSecret, ...form },
      fetch: fetchFn,
      timeoutMs: REQUEST_TIMEOUT_MS,
      label: 'Strava',
    },
    StravaTokenResponse,
    (status, message, res) => new StravaApiError(status, message, res?.headers ?? {}, res?.body),
  );
}

/** authorization_code grant; the answer includes the athlete. */
export function exchangeCode(cfg: OAuthConfig, fetchFn: typeof fetch, code: string): Promise<StravaTokenResponse> {
  return postToken(cfg, fetchFn, { code, grant_type: 'authorization_code' });
}

/** refresh_token grant; Strava may rotate the refresh token (the old one dies at once). */
export function refreshAccessToken(cfg: OAuthConfig, fetchFn: typeof fetch, refreshToken: string): Promise<StravaTokenResponse> {
  return postToken(cfg, fetchFn, { refresh_token: refreshToken, grant_type: 'refresh_token' });
}

/** 400/401 from the token endpoint: the grant is dead (revoked, rotated away); retrying cannot help. */
export function isRefusedGrant(err: unknown): boolean {
  return err instanceof StravaApiError && (err.status === 400 || err.status === 401);
}

/**
 * Revoke the athlete's grant (`POST /oauth/revoke`, HTTP Basic with the app credentials; revoking
 * the refresh token revokes its access token too — docs/platforms.md).
 */
export async function revokeGrant(cfg: OAuthConfig, fetchFn: typeof fetch, refreshToken: string): Promise<void> {
  const url = `${cfg.oauthUrl.replace(/\/+$/, '')}/revoke`;
  let res: Response;
  try {
    res = await fetchFn(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: `Basic ${Buffer.from(`${cfg.clientId}:${cfg.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token: refreshToken, token_type_hint: 'refresh_token' }).toString(),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (err) {
    throw new StravaApiError(0, `Strava revoke endpoint unreachable: ${(err as Error).message}`);
  }
  if (!res.ok) throw new StravaApiError(res.status, `Strava revoke endpoint → ${res.status}`);
}
