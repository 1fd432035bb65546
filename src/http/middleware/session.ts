import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Db } from '../../db/client.js';
import { findSession, idlePolicyOf, sameToken, SESSION_COOKIE, type PageSession } from '../../services/sessions/index.js';

/**
 * The runner's page session: a cookie (HttpOnly, SameSite=Lax, Secure and `__Host-` prefixed when
 * PUBLIC_URL is https) naming a session row; pages never take a runner id from the URL. Every form
 * POST carries the session's CSRF token in `_csrf` (synchronizer token), checked here.
 */

/** The cookies of a request header (first value wins; values are URI-decoded when possible). */
export function parseCookies(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    if (!k || k in out) continue;
    const v = part
      .slice(i + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    try {
      out[k] = decodeURIComponent(v);
    } catch {
      out[k] = v;
    }
  }
  return out;
}

function serialize(name: string, value: string, o: { secure: boolean; expires: Date }): string {
  return `${name}=${encodeURIComponent(value)}; Path=/; Expires=${o.expires.toUTCString()}; HttpOnly; SameSite=Lax${o.secure ? '; Secure' : ''}`;
}

export function cookieName(publicUrl: string): string {
  return publicUrl.startsWith('https:') ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE;
}

export function setSessionCookie(res: Response, publicUrl: string, token: string, expiresAt: Date): void {
  res.append('Set-Cookie', serialize(cookieName(publicUrl), token, { secure: publicUrl.startsWith('https:'), expires: expiresAt }));
}

export function clearSessionCookie(res: Response, publicUrl: string): void {
  res.append('Set-Cookie', serialize(cookieName(publicUrl), '', { secure: publicUrl.startsWith('https:'), expires: new Date(0) }));
}

export function sessionOf(res: Response): PageSession | null {
  return (res.locals.session as PageSession | undefined) ?? null;
}

/** Reads the cookie and puts the live session (or null: unknown, ended, expired or idle too long) in `res.locals.session`. */
export function loadSession(deps: { db: Db; now: () => Date; env: { PUBLIC_URL: string; SESSION_IDLE_TIMEOUT_MIN: number } }): RequestHandler {
  const name = cookieName(deps.env.PUBLIC_URL);
  const idle = idlePolicyOf(deps.env);
  return async (req, res, next) => {
    const token = parseCookies(req.headers.cookie ?? '')[name];
    res.locals.session = token ? await findSession(deps, token, idle) : null;
    next();
  };
}

/**
 * Pages that need a signed-in runner: without a session, `onMissing` renders the "signed out"
 * answer (401). POSTs must also carry the session's CSRF token and, when the browser sends one,
 * an Origin of this service.
 */
export function requireSession(opts: {
  publicUrl: string;
  onMissing: (req: Request, res: Response) => void;
  onBadCsrf: (req: Request, res: Response) => void;
}): RequestHandler {
  const ownOrigin = new URL(opts.publicUrl).origin;
  return (req: Request, res: Response, next: NextFunction) => {
    const session = sessionOf(res);
    if (!session) return opts.onMissing(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const origin = req.headers.origin;
      const sent =
        typeof req.body?._csrf === 'string' ? (req.body._csrf as string) : typeof req.headers['x-csrf-token'] === 'string' ? req.headers['x-csrf-token'] : '';
      const originOk = !origin || origin === ownOrigin || origin === `${req.protocol}://${req.get('host')}`;
      if (!originOk || !sent || !sameToken(sent, session.csrfToken)) return opts.onBadCsrf(req, res);
    }
    next();
  };
}
