import type { Request, Response } from 'express';
import { newToken, sameToken } from '../../services/sessions/index.js';
import { parseCookies } from '../middleware/session.js';
import { html, type SafeHtml } from './html.js';

/**
 * The "Continue" step of an e-mailed single-use link (sign-in links, export download links): the link's
 * GET only shows a page with a button, so mail scanners and link previews that fetch the link do not
 * use it up; the button's form POST uses it. There is no session to hold a CSRF token, so the GET sets
 * a short-lived random cookie and the form carries the same value (double submit); the POST needs both
 * to match and, when the browser sends one, an Origin of this service.
 */
export interface ContinueStep {
  /** the cookie's name: `__Host-` prefixed with an https PUBLIC_URL */
  cookieName: string;
  /** For the GET: sets a fresh cookie and returns the hidden form field carrying the same value. */
  start(res: Response, now: Date): SafeHtml;
  /** For the POST: the cookie and the form's value match and the Origin, when sent, is this service. */
  passes(req: Request): boolean;
  /** Removes the cookie (once the link was used). */
  clear(res: Response): void;
}

export function continueCookieName(publicUrl: string, name: string): string {
  return publicUrl.startsWith('https:') ? `__Host-${name}` : name;
}

export function continueStep(publicUrl: string, name: string, ttlMs: number): ContinueStep {
  const cookieName = continueCookieName(publicUrl, name);
  const secure = publicUrl.startsWith('https:');
  const ownOrigin = new URL(publicUrl).origin;
  const cookie = (value: string, expires: Date) =>
    `${cookieName}=${value}; Path=/; Expires=${expires.toUTCString()}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
  return {
    cookieName,
    start(res, now) {
      const nonce = newToken();
      res.append('Set-Cookie', cookie(nonce, new Date(now.getTime() + ttlMs)));
      return html`<input type="hidden" name="_csrf" value="${nonce}">`;
    },
    passes(req) {
      const origin = req.headers.origin;
      const originOk = !origin || origin === ownOrigin || origin === `${req.protocol}://${req.get('host')}`;
      const fromCookie = parseCookies(req.headers.cookie ?? '')[cookieName] ?? '';
      const sent = typeof req.body?._csrf === 'string' ? (req.body._csrf as string) : '';
      return originOk && Boolean(fromCookie) && Boolean(sent) && sameToken(sent, fromCookie);
    },
    clear(res) {
      res.append('Set-Cookie', cookie('', new Date(0)));
    },
  };
}
