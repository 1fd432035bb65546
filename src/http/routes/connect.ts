import { Router, type RequestHandler, type Response } from 'express';
import type { AppDeps } from '../../deps.js';
import type { Provider } from '../../integrations/provider.js';
import { AppError, BadRequestError, NotConfiguredError } from '../../lib/errors.js';
import { completeConnect, type ConnectResult } from '../../services/connections/connect.js';
import { browserNonce, clearConnectCookie, startFromConnectLink } from '../connect-flow.js';
import { rateLimit } from '../middleware/rate-limit.js';
import { securityHeaders } from '../middleware/security-headers.js';
import { ErrorBody, type OpenApiRegistry } from '../openapi.js';
import { connectAgainLink, sendCommonConnectPage, sendPage } from '../pages.js';
import { ConnectQuery } from '../schemas.js';
import { parseInput } from '../validate.js';

function resultPage(deps: AppDeps, provider: Provider, res: Response, result: ConnectResult): void {
  const retry = connectAgainLink(deps, provider, result.runnerId);
  switch (result.kind) {
    case 'connected':
      return sendPage(res, 200, `${provider.label} connected`, provider.pages.connected);
    case 'missing_scope':
      return sendPage(res, 400, provider.pages.missingScope.title, provider.pages.missingScope.paragraphs, retry);
    default:
      return sendCommonConnectPage(res, provider.label, result.kind, retry);
  }
}

/**
 * `GET /connect/<platform>?link=…` and its OAuth callback, for any platform (docs/security.md,
 * "Connecting a platform"). Only a valid connect link starts OAuth; the callback answers with an
 * HTML page in every case (4xx pages for the runner's mistakes, 5xx left to the error handler).
 * Without the platform's configuration both answer 503 `not_configured`.
 */
export function connectRoutes(deps: AppDeps, docs: OpenApiRegistry, provider: Provider): Router {
  const id = provider.id;
  docs.add({
    method: 'get',
    path: `/connect/${id}`,
    summary: provider.pages.startSummary,
    tags: [id],
    query: ConnectQuery,
    responses: {
      302: { description: `valid connect link: sets the browser-binding cookie and redirects to ${provider.label}’s authorize page` },
      400: { description: 'no connect link (a bare ?runner= is refused), or an invalid or expired one', schema: ErrorBody },
      404: { description: 'unknown runner', schema: ErrorBody },
      410: { description: 'the connect link was already opened (a link starts a connect once)', schema: ErrorBody },
      503: { description: `${provider.label} not configured`, schema: ErrorBody },
    },
  });
  docs.add({
    method: 'get',
    path: `/connect/${id}/callback`,
    summary: provider.pages.callbackSummary,
    tags: [id],
    responses: {
      200: { description: 'connected (HTML page)', contentType: 'text/html' },
      400: {
        description: `invalid, expired or replayed state; access denied; ${provider.pages.missingScopeDescription} (HTML page)`,
        contentType: 'text/html',
      },
      409: { description: `the ${provider.label} account belongs to another runner (HTML page)`, contentType: 'text/html' },
    },
  });

  const requireConfigured: RequestHandler = (_req, _res, next) => next(provider.configured(deps.env) ? undefined : new NotConfiguredError(provider.label));
  const router = Router();

  router.get(`/connect/${id}`, requireConfigured, rateLimit(deps, 'connect'), async (req, res) => {
    const { link } = parseInput(ConnectQuery, req.query, 'query');
    if (!link)
      throw new BadRequestError('a connect link is required: ask the app for one (POST /v1/runners/{runnerId}/connect-links)', 'connect_link_required');
    await startFromConnectLink(deps, req, res, provider);
  });

  router.get(`/connect/${id}/callback`, requireConfigured, securityHeaders(deps.env, 'page'), async (req, res) => {
    try {
      const nonce = browserNonce(req, id);
      clearConnectCookie(deps, res, id);
      resultPage(deps, provider, res, await completeConnect(deps, provider, req.query as Record<string, unknown>, nonce));
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      sendPage(res, err.status, `${provider.label} could not be connected`, [err.message, `(error code: ${err.code})`]);
    }
  });
  return router;
}
