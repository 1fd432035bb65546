import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { GarminApiError } from './client.js';
import { postTokenForm } from '../../lib/token-endpoint.js';

/**
 * Garmin OAuth 2.0 with PKCE (docs/platforms.md): verifier/challenge (S256), the authorize URL
 * at {GARMIN_OAUTH_URL}/oauth2Confirm, and the token endpoint (GARMIN_TOKEN_URL) for the code
 * exchange and refreshes. Credentials go in the form body (one of the two styles seen in the wild).
 * Refresh tokens rotate; callers serialise refreshes (services/connections/token-store.ts).
 */

/** Without this permission no activity data flows, even with a valid token. */
export const REQUIRED_PERMISSION = 'ACTIVITY_EXPORT';

const REQUEST_TIMEOUT_MS = 15_000;

export interface GarminOAuthConfig {
  oauthUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
}

/** RFC 7636: 43–128 characters of [A-Za-z0-9-._~]; 32 random bytes → 43 base64url characters. */
export function createPkceVerifier(): string {
  return randomBytes(32).toString('base64url');
}

export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export function authorizeUrl(cfg: Pick<GarminOAuthConfig, 'oauthUrl' | 'clientId'>, redirectUri: string, state: string, verifier: string): string {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: cfg.clientId,
    code_challenge: pkceChallenge(verifier),
    code_challenge_method: 'S256',
    redirect_uri: redirectUri,
    state,
  });
  return `${cfg.oauthUrl.replace(/\/+$/, '')}/oauth2Confirm?${q.toString()}`;
}

export const GarminTokenResponse = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.number().positive(),
  refresh_token_expires_in: z.number().positive().optional(),
  token_type: z.string().optional(),
});
export type GarminTokenResponse = z.infer<typeof GarminTokenResponse>;

function postToken(cfg: GarminOAuthConfig, fetchFn: typeof fetch, form: Record<string, string>): Promise<GarminTokenResponse> {
  return postTokenForm(
    {
      url: cfg.tokenUrl,
      form: { client_id: cfg.clientId, client_secret: cfg.clientSecret, ...form },
      fetch: fetchFn,
      timeoutMs: REQUEST_TIMEOUT_MS,
      label: 'Garmin',
    },
    GarminTokenResponse,
    (status, message, res) => new GarminApiError(status, message, res?.body),
  );
}

/** authorization_code grant, proving possession of the PKCE verifier. */
export function exchangeCode(
  cfg: GarminOAuthConfig,
  fetchFn: typeof fetch,
  input: { code: string; verifier: string; redirectUri: string },
): Promise<GarminTokenResponse> {
  return postToken(cfg, fetchFn, { grant_type: 'authorization_code', code: input.code, code_verifier: input.verifier, redirect_uri: input.redirectUri });
}

/** refresh_token grant; the answer carries a new refresh token and the old one is spent. */
export function refreshAccessToken(cfg: GarminOAuthConfig, fetchFn: typeof fetch, refreshToken: string): Promise<GarminTokenResponse> {
  return postToken(cfg, fetchFn, { grant_type: 'refresh_token', refresh_token: refreshToken });
}

/** 400/401 from the token endpoint: the grant is dead; retrying cannot help. */
export function isRefusedGrant(err: unknown): boolean {
  return err instanceof GarminApiError && (err.status === 400 || err.status === 401);
}
