import { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { PROVIDERS, type Provider } from '../../db/schema/index.js';
import { AppError } from '../../lib/errors.js';
import { disconnectConnection } from '../../services/connections/disconnect.js';
import { endSession, idlePolicyOf, listSessions, signOutEverywhere } from '../../services/sessions/index.js';
import { createShare, listShares, openShare, revokeShare, SHARE_SECTIONS } from '../../services/shares.js';
import { beginConnect } from '../connect-flow.js';
import { providersOf } from '../../integrations/registry.js';
import { clearSessionCookie, loadSession, requireSession, sessionOf } from '../middleware/session.js';
import { formBody } from '../middleware/form-body.js';
import { rateLimit } from '../middleware/rate-limit.js';
import type { OpenApiRegistry } from '../openapi.js';
import { renderConnect, renderDisconnectConfirm } from './connect.js';
import { renderDiary, renderDiaryCsv } from './diary.js';
import { diaryEditRoutes } from './diary-edit.js';
import { eraseAccountRoutes } from './erase.js';
import { renderHome } from './home.js';
import { pageAssetRoutes, pageHeaders } from './layout.js';
import { badCsrfPage, sendMessage, signedOutPage } from './respond.js';
import { renderShareHome, renderSharedPage, sendShareGone, sendShareNotFound } from './share.js';
import { renderDevices } from './devices.js';
import { pushRoutes } from './push-routes.js';
import { cadencePageRoutes } from './cadence-page.js';
import { exportPageRoutes } from './export.js';
import { answerRoutes } from './answers.js';
import { loginRoutes } from './login.js';
import { outageError, RETRY_AFTER_S } from '../../lib/outage.js';

/**
 * The runner's pages (see docs/pages.md): magic-link sign-in, home, connect, diary, cadence, share,
 * and the read-only page for the person a runner shares with. Every signed-in page takes the runner
 * from the session, never from the URL.
 */
export function pageRoutes(deps: AppDeps, _docs: OpenApiRegistry): Router {
  const r = Router();
  r.use(pageAssetRoutes());
  r.use(pushRoutes(deps).assets);

  const headers = pageHeaders();
  const form = formBody({ limit: '32kb', parameterLimit: 50 });
  const session = loadSession(deps);
  const signedIn = requireSession({ publicUrl: deps.env.PUBLIC_URL, onMissing: signedOutPage, onBadCsrf: badCsrfPage });
  const tooMany: RequestHandler = (_req, res) => sendMessage(res, 429, 'Too many attempts', ['Please wait a few minutes and try again.']);
  const linkLimit = rateLimit(deps, 'page-link', { onLimited: tooMany });
  const connectLimit = rateLimit(deps, 'page-connect', { onLimited: tooMany });
  const answerLimit = rateLimit(deps, 'page-answer', { onLimited: tooMany });
  /** a page for the signed-in runner: headers, form body, session, CSRF on POST */
  const page = [headers, form, session, signedIn];

  r.use(loginRoutes(deps, { headers, form, linkLimit }));
  r.post('/logout', ...page, async (_req, res) => {
    await endSession(deps, sessionOf(res)!.id);
    clearSessionCookie(res, deps.env.PUBLIC_URL);
    res.locals.session = null;
    sendMessage(res, 200, 'You are signed out', ['Open a new sign-in link to come back.']);
  });

  // Devices: the runner's sessions and "sign out everywhere"
  const idle = idlePolicyOf(deps.env);
  r.get('/sessions', ...page, async (_req, res) => {
    const s = sessionOf(res)!;
    renderDevices(res, s, await listSessions(deps, s.runnerId, idle), await listShares(deps, s.runnerId));
  });
  r.post('/sessions/revoke', ...page, async (req, res) => {
    const s = sessionOf(res)!;
    const withdrawShares = (req.body as Record<string, unknown>).withdrawShares === 'yes';
    const done = await signOutEverywhere(deps, s.runnerId, { currentSessionId: s.id, withdrawShares, idle });
    clearSessionCookie(res, deps.env.PUBLIC_URL);
    res.locals.session = null;
    const n = done.sharesWithdrawn.length;
    sendMessage(res, 200, 'You are signed out everywhere', [
      `Every device that was signed in to your pages is signed out now, this one too (${done.sessionsEnded} in all).`,
      ...(withdrawShares
        ? [
            n
              ? `${n === 1 ? 'One share link' : `${n} share links`} created from other devices ${n === 1 ? 'was' : 'were'} withdrawn.`
              : 'No share link created from another device was active, so none was withdrawn.',
          ]
        : []),
      'Open a new sign-in link to come back.',
    ]);
  });

  r.get('/', ...page, async (req, res) => {
    const notice = req.query.answered === '1' ? 'Thank you, your answer was saved.' : undefined;
    await renderHome(deps, res, sessionOf(res)!, notice);
  });
  r.use(answerRoutes(deps, [...page, answerLimit]));

  // Connect
  r.get('/connect', ...page, async (req, res) => {
    const d = typeof req.query.disconnected === 'string' && (PROVIDERS as readonly string[]).includes(req.query.disconnected) ? req.query.disconnected : null;
    await renderConnect(deps, res, sessionOf(res)!, d ? `${providersOf(deps).get(d).label} is disconnected and its runs are deleted.` : undefined);
  });
  r.get('/connect/start/:provider', ...page, connectLimit, async (req, res) => {
    const provider = z.enum(PROVIDERS).safeParse(req.params.provider);
    if (!provider.success) return sendMessage(res, 404, 'Page not found', ['There is no such account to connect.']);
    const runnerId = sessionOf(res)!.runnerId;
    // the same flow as a connect link: state bound to this browser by a cookie, checked at the callback
    await beginConnect(deps, res, providersOf(deps).get(provider.data), runnerId);
  });
  r.get('/connect/disconnect/:provider', ...page, (req, res) => {
    const provider = z.enum(PROVIDERS).safeParse(req.params.provider);
    if (!provider.success) return sendMessage(res, 404, 'Page not found', ['There is no such account to disconnect.']);
    renderDisconnectConfirm(res, provider.data);
  });
  r.post('/connect/disconnect/:provider', ...page, async (req, res) => {
    const provider = z.enum(PROVIDERS).safeParse(req.params.provider);
    if (!provider.success) return sendMessage(res, 404, 'Page not found', ['There is no such account to disconnect.']);
    await disconnectConnection(deps, sessionOf(res)!.runnerId, provider.data as Provider);
    res.redirect(303, `/connect?disconnected=${provider.data}`);
  });

  // Diary
  r.get('/diary', ...page, async (req, res) => renderDiary(deps, req, res, sessionOf(res)!));
  r.get('/diary.csv', ...page, async (req, res) => renderDiaryCsv(deps, req, res, sessionOf(res)!));
  r.use(diaryEditRoutes(deps, page));

  r.use(cadencePageRoutes(deps, page));
  r.use(exportPageRoutes(deps, page, { linkLimit, form }));

  // Share
  r.get('/share', ...page, async (_req, res) => renderShareHome(deps, res, sessionOf(res)!, await listShares(deps, sessionOf(res)!.runnerId)));
  r.post('/share', ...page, async (req, res) => {
    const s = sessionOf(res)!;
    const body = req.body as Record<string, unknown>;
    const sections = ([] as unknown[])
      .concat(body.sections ?? [])
      .filter((x): x is (typeof SHARE_SECTIONS)[number] => (SHARE_SECTIONS as readonly unknown[]).includes(x));
    const recipient = typeof body.recipient === 'string' ? body.recipient.trim().slice(0, 200) : '';
    const days = [7, 30, 90].includes(Number(body.expiresInDays)) ? Number(body.expiresInDays) : 30;
    const values = { recipient, sections };
    const problem = !recipient
      ? 'Please name the person who will see your data.'
      : !sections.length
        ? 'Please tick at least one thing they may see.'
        : body.consent !== 'yes'
          ? 'Nothing was shared: please tick the consent box to agree to sharing with this person.'
          : null;
    if (problem) {
      return renderShareHome(deps, res, s, await listShares(deps, s.runnerId), { status: 422, error: problem, values });
    }
    const share = await createShare(deps, s.runnerId, { recipient, sections, expiresInDays: days, consent: true }, s);
    await renderShareHome(deps, res, s, await listShares(deps, s.runnerId), { newUrl: share.url, notice: `A share link for ${share.recipient} was created.` });
  });
  r.post('/share/:shareId/revoke', ...page, async (req, res) => {
    const s = sessionOf(res)!;
    const revoked = await revokeShare(deps, s.runnerId, String(req.params.shareId));
    await renderShareHome(deps, res, s, await listShares(deps, s.runnerId), { notice: `${revoked.recipient} can no longer open your share link.` });
  });
  r.get('/s/:token', pageHeaders({ noIndex: true }), linkLimit, async (req, res) => {
    const opened = await openShare(deps, String(req.params.token));
    if (!opened) return sendShareNotFound(res);
    if (opened.status !== 'active') return sendShareGone(res, opened.status);
    await renderSharedPage(deps, res, opened.runnerId, opened.share);
  });

  r.use(pushRoutes(deps).api(page));
  r.use(eraseAccountRoutes(deps, page));

  // Errors on a page become a page, not JSON.
  const pageErrors: ErrorRequestHandler = (err, req, res, next) => {
    if (res.headersSent || !res.locals.isPage) return next(err);
    if (err instanceof AppError && err.status < 500) return sendMessage(res, err.status, err.status === 404 ? 'Not found' : 'That did not work', [err.message]);
    // body-parser refusals (too large, not JSON, too deep) are the client's, not ours
    const status = (err as { status?: unknown })?.status;
    if (typeof status === 'number' && status >= 400 && status < 500)
      return sendMessage(res, status, 'That did not work', ['The request could not be read. Please go back and try again.']);
    if (outageError(err)) {
      res.setHeader('Retry-After', String(RETRY_AFTER_S));
      return sendMessage(res, 503, 'Back in a moment', ['The service is briefly unavailable. Please try again in a minute.']);
    }
    req.log?.error({ err }, 'page error');
    sendMessage(res, 500, 'Something went wrong', ['Please try again in a moment. If it keeps happening, tell us the time it happened.']);
  };
  r.use(pageErrors);
  return r;
}
