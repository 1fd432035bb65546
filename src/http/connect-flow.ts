import type { Request, Response } from 'express';
import type { Provider } from '../integrations/provider.js';
import { randomToken } from '../lib/crypto.js';
import type { AppDeps } from '../deps.js';
import { consumeConnectLink } from '../services/connect-links.js';
import { startConnect } from '../services/connections/connect.js';
import { STATE_TTL_S } from '../services/connections/oauth-state.js';

/**
 * The browser side of connecting a platform (docs/security.md, "Connecting a platform").
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

export function connectCookieName(provider: string): string {
  return `stridesync_connect_${provider}`;
}

function cookieAttributes(deps: Pick<AppDeps, 'env'>, provider: string, maxAgeS: number): string {
  const secure = deps.env.PUBLIC_URL.startsWith('https:') ? '; Secure' : '';
  return `Path=/connect/${provider}; Max-Age=${maxAgeS}; HttpOnly; SameSite=Lax${secure}`;
}

/** Start OAuth for `runnerId` in this browser (see above): cookie + redirect. */
export async function beginConnect(deps: AppDeps, res: Response, provider: Provider, runnerId: string): Promise<void> {
  const nonce = randomToken(24);
  const url = await startConnect(deps, provider, runnerId, nonce);
  res.append('Set-Cookie', `${connectCookieName(provider.id)}=${nonce}; ${cookieAttributes(deps, provider.id, STATE_TTL_S)}`);
  res.set('Cache-Control', 'no-store');
  res.redirect(302, url);
}

/** `GET /connect/<provider>?link=…`: only a valid, unexpired, not yet opened connect link for this provider starts OAuth. */
export async function startFromConnectLink(deps: AppDeps, req: Request, res: Response, provider: Provider): Promise<void> {
  const runnerId = await consumeConnectLink(deps, req.query.link, provider.id);
  await beginConnect(deps, res, provider, runnerId);
}

/** The nonce cookie of this browser for `provider`, if any. */
export function browserNonce(req: Request, provider: string): string | undefined {
  const name = connectCookieName(provider);
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/** The callback is done with the cookie whatever the outcome. */
export function clearConnectCookie(deps: Pick<AppDeps, 'env'>, res: Response, provider: string): void {
  res.append('Set-Cookie', `${connectCookieName(provider)}=; ${cookieAttributes(deps, provider, 0)}`);
}
