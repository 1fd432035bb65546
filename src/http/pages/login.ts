import { Router, type RequestHandler, type Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { consumeMagicLink, LINK_TTL_MS, magicLinkUsable, newToken, sameToken } from '../../services/sessions/index.js';
import { parseCookies, setSessionCookie } from '../middleware/session.js';
import { html } from './html.js';
import { badCsrfPage, sendMessage, sendPage } from './respond.js';

/**
 * Signing in with a magic link (see docs/pages.md). `GET /login/:token` only shows a page with a
 * "Continue" button, so mail scanners and link previews that fetch the link do not use it up; the
 * button's form POST uses the link and starts the session. There is no session yet to hold a CSRF
 * token, so the GET sets a short-lived random cookie and the form carries the same value (double
 * submit); the POST needs both to match and, when the browser sends one, an Origin of this service.
 */

const LOGIN_COOKIE = 'stridesync_login';

export function loginCookieName(publicUrl: string): string {
  return publicUrl.startsWith('https:') ? `__Host-${LOGIN_COOKIE}` : LOGIN_COOKIE;
}

function loginCookie(publicUrl: string, value: string, expires: Date): string {
  const secure = publicUrl.startsWith('https:');
  return `${loginCookieName(publicUrl)}=${value}; Path=/; Expires=${expires.toUTCString()}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

function linkUnusable(res: Response): void {
  sendMessage(res, 400, 'This sign-in link does not work any more', [
    'Sign-in links work once and only for 15 minutes. Ask for a new one (your coach or the app that sent it can send another).',
  ]);
}

export function loginRoutes(deps: AppDeps, mw: { headers: RequestHandler; form: RequestHandler; linkLimit: RequestHandler }): Router {
  const r = Router();
  const publicUrl = deps.env.PUBLIC_URL;
  const ownOrigin = new URL(publicUrl).origin;

  r.get('/login/:token', mw.headers, mw.linkLimit, async (req, res) => {
    const token = String(req.params.token);
    if (!(await magicLinkUsable(deps, token))) return linkUnusable(res);
    const nonce = newToken();
    res.append('Set-Cookie', loginCookie(publicUrl, nonce, new Date(deps.now().getTime() + LINK_TTL_MS)));
    sendPage(res, 200, {
      title: 'Sign in to stridesync',
      nav: [],
      body: html`<p>Press Continue to sign in on this device. The link works once, so keep this page until you have pressed it.</p>
<form method="post" action="/login/${token}">
<input type="hidden" name="_csrf" value="${nonce}">
<p><button type="submit">Continue</button></p>
</form>`,
    });
  });

  r.post('/login/:token', mw.headers, mw.linkLimit, mw.form, async (req, res) => {
    const origin = req.headers.origin;
    const originOk = !origin || origin === ownOrigin || origin === `${req.protocol}://${req.get('host')}`;
    const cookie = parseCookies(req.headers.cookie ?? '')[loginCookieName(publicUrl)] ?? '';
    const sent = typeof req.body?._csrf === 'string' ? (req.body._csrf as string) : '';
    if (!originOk || !cookie || !sent || !sameToken(sent, cookie)) return badCsrfPage(req, res);
    const s = await consumeMagicLink(deps, String(req.params.token), { userAgent: req.get('user-agent') });
    if (!s) return linkUnusable(res);
    res.append('Set-Cookie', loginCookie(publicUrl, '', new Date(0)));
    setSessionCookie(res, publicUrl, s.sessionToken, s.expiresAt);
    res.redirect(303, '/');
  });
  return r;
}
