import { Router, type RequestHandler, type Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { eraseRunner } from '../../services/erasure.js';
import { clearSessionCookie, sessionOf } from '../middleware/session.js';
import { html } from './html.js';
import { csrfField, sendMessage, sendPage } from './respond.js';

/** What the runner types to confirm (any case, spaces around ignored). */
export const ERASE_CONFIRMATION = 'delete my account';

function renderEraseForm(res: Response, status: number, error?: string): void {
  const body = html`<p>This deletes your account and everything stridesync holds about you, at once and for good:</p>
<ul>
<li>every run (from Strava, Garmin and your uploads), the files you uploaded, and their numbers;</li>
<li>your pain answers, your diary, your weeks, warnings and cadence goal;</li>
<li>your sign-in links, share links (the people you shared with can no longer open them) and notifications on your phones.</li>
</ul>
<p>Strava and Garmin are told to stop sending us your data. Nothing can be recovered afterwards. If you want a copy of your data, keep it before you go on.</p>
${error ? html`<p class="error" role="alert" id="erase-error">${error}</p>` : ''}
<form method="post" action="/account/delete">
${csrfField(res)}
<label for="confirm">To confirm, type <strong>${ERASE_CONFIRMATION}</strong></label>
<input id="confirm" name="confirm" type="text" autocomplete="off" required${error ? html` aria-describedby="erase-error"` : ''}>
<button type="submit" class="danger">Delete my account</button>
</form>
<p><a href="/">No, keep my account</a></p>`;
  sendPage(res, status, { title: 'Delete my account', body });
}

/** `GET /account/delete` (the form) and its POST: the signed-in runner erases their own account. */
export function eraseAccountRoutes(deps: AppDeps, page: RequestHandler[]): Router {
  const r = Router();
  r.get('/account/delete', ...page, (_req, res) => renderEraseForm(res, 200));
  r.post('/account/delete', ...page, async (req, res) => {
    const session = sessionOf(res)!;
    const typed = (req.body as Record<string, unknown>).confirm;
    if (typeof typed !== 'string' || typed.trim().toLowerCase() !== ERASE_CONFIRMATION) {
      return renderEraseForm(res, 422, `Nothing was deleted: please type “${ERASE_CONFIRMATION}” exactly to confirm.`);
    }
    await eraseRunner(deps, session.runnerId, 'runner:page');
    clearSessionCookie(res, deps.env.PUBLIC_URL);
    res.locals.session = null;
    sendMessage(res, 200, 'Your account is gone', [
      'Your account and everything stridesync held about you have been deleted.',
      'Strava and Garmin have been told to stop sending us your data. You can close this page.',
    ]);
  });
  return r;
}
