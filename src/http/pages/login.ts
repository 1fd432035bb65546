import { Router, type RequestHandler, type Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { consumeMagicLink, LINK_TTL_MS, magicLinkUsable } from '../../services/sessions/index.js';
import { setSessionCookie } from '../middleware/session.js';
import { continueCookieName, continueStep } from './continue-step.js';
import { html } from './html.js';
import { badCsrfPage, sendMessage, sendPage } from './respond.js';

/**
 * Signing in with a magic link (see docs/pages.md). `GET /login/:token` only shows a page with a
 * "Continue" button, so mail scanners and link previews that fetch the link do not use it up; the
 * button's form POST uses the link and starts the session. The POST is guarded by the continue step's
 * cookie + form value and Origin check (`continue-step.ts`).
 */

const LOGIN_COOKIE = 'stridesync_login';

export function loginCookieName(publicUrl: string): string {
  return continueCookieName(publicUrl, LOGIN_COOKIE);
}

function linkUnusable(res: Response): void {
  sendMessage(res, 400, 'This sign-in link does not work any more', [
    'Sign-in links work once and only for 15 minutes. Ask for a new one (your coach or the app that sent it can send another).',
  ]);
}

export function loginRoutes(deps: AppDeps, mw: { headers: RequestHandler; form: RequestHandler; linkLimit: RequestHandler }): Router {
  const r = Router();
  const publicUrl = deps.env.PUBLIC_URL;
  const step = continueStep(publicUrl, LOGIN_COOKIE, LINK_TTL_MS);

  r.get('/login/:token', mw.headers, mw.linkLimit, async (req, res) => {
    const token = String(req.params.token);
    if (!(await magicLinkUsable(deps, token))) return linkUnusable(res);
    const field = step.start(res, deps.now());
    sendPage(res, 200, {
      title: 'Sign in to stridesync',
      nav: [],
      body: html`<p>Press Continue to sign in on this device. The link works once, so keep this page until you have pressed it.</p>
<form method="post" action="/login/${token}">
${field}
<p><button type="submit">Continue</button></p>
</form>`,
    });
  });

  r.post('/login/:token', mw.headers, mw.linkLimit, mw.form, async (req, res) => {
    if (!step.passes(req)) return badCsrfPage(req, res);
    const s = await consumeMagicLink(deps, String(req.params.token), { userAgent: req.get('user-agent') });
    if (!s) return linkUnusable(res);
    step.clear(res);
    setSessionCookie(res, publicUrl, s.sessionToken, s.expiresAt);
    res.redirect(303, '/');
  });
  return r;
}
