import type { Request, Response } from 'express';
import { STATE_TTL_S } from '../integrations/strava/oauth.js';
import { randomToken } from '../lib/crypto.js';
import type { AppDeps } from '../deps.js';
import { verifyConnectLink, type ConnectProvider } from '../services/connect-links.js';
import { startGarminConnect } from '../services/garmin-connect.js';
import { startStravaConnect } from '../services/strava-connect.js';

/**
 * The browser side of connecting Strava or Garmin (docs/security.md, "Connecting a platform").
 *
 * `beginConnect(deps, res, provider, runnerId)` starts OAuth for a runner whose identity the caller
 * has already established: it sets an HttpOnly, SameSite=Lax cookie (Secure when PUBLIC_URL is
 * https) holding a fresh nonce, signs that nonce into the OAuth `state`, and redirects to the
 * platform. The callback only accepts a state whose nonce matches the cookie of the browser it
 * arrives in, so a state (or a whole authorize URL) sent to someone else's browser is useless.
 *
 * Today the only caller is `GET /connect/<provider>?link=…`, which first checks a signed connect
 * link from `POST /v1/runners/:runnerId/connect-links`. A future runner-session page (the runner
 * signed in) can call `beginConnect` directly with the session's runner id: it must never be called
 * with a runner id taken from an unauthenticated request.
 */

export function connectCookieName(provider: ConnectProvider): string {
  return `stridesync_connect_${provider}`;
}

function cookieAttributes(deps: Pick<AppDeps, 'env'>, provider: ConnectProvider, maxAgeS: number): string {
  const secure = deps.env.PUBLIC_URL.startsWith('https:') ? '; Secure' : '';
  return `Path=/connect/${provider}; Max-Age=${maxAgeS}; HttpOnly; SameSite=Lax${secure}`;
}

/** Start OAuth for `runnerId` in this browser (see above): cookie + redirect. */
export async function beginConnect(deps: AppDeps, res: Response, provider: ConnectProvider, runnerId: string): Promise<void> {
  const nonce = randomToken(24);
  const url = provider === 'strava' ? await startStravaConnect(deps, runnerId, nonce) : await startGarminConnect(deps, runnerId, nonce);
  res.append('Set-Cookie', `${connectCookieName(provider)}=${nonce}; ${cookieAttributes(deps, provider, STATE_TTL_S)}`);
  res.set('Cache-Control', 'no-store');
  res.redirect(302, url);
}

/** `GET /connect/<provider>?link=…`: only a valid, unexpired connect link for this provider starts OAuth. */
export async function startFromConnectLink(deps: AppDeps, req: Request, res: Response, provider: ConnectProvider): Promise<void> {
  const runnerId = verifyConnectLink(req.query.link, provider, deps.env.tokenEncryptionKey, deps.now());
  await beginConnect(deps, res, provider, runnerId);
}

/** The nonce cookie of this browser for `provider`, if any. */
export function browserNonce(req: Request, provider: ConnectProvider): string | undefined {
  const name = connectCookieName(provider);
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/** The callback is done with the cookie whatever the outcome. */
export function clearConnectCookie(deps: Pick<AppDeps, 'env'>, res: Response, provider: ConnectProvider): void {
  res.append('Set-Cookie', `${connectCookieName(provider)}=; ${cookieAttributes(deps, provider, 0)}`);
}
