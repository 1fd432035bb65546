import express, { Router, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { REQUIRED_SCOPE, STRAVA_SCOPES } from '../../integrations/strava/oauth.js';
import { checkHandshake, StravaEvent } from '../../integrations/strava/webhook.js';
import { AppError, BadRequestError, ForbiddenError, NotConfiguredError } from '../../lib/errors.js';
import { completeStravaConnect, type ConnectResult } from '../../services/strava-connect.js';
import { StravaInbox } from '../../services/strava-receive-event.js';
import { ErrorBody, type OpenApiRegistry } from '../openapi.js';
import { connectAgainLink, sendCommonConnectPage, sendPage } from '../pages.js';
import { ConnectQuery } from '../schemas.js';
import { parseJsonGuarded } from '../../lib/safe-json.js';
import { parseInput } from '../validate.js';
import { rateLimit } from '../middleware/rate-limit.js';
import { securityHeaders } from '../middleware/security-headers.js';
import { browserNonce, clearConnectCookie, startFromConnectLink } from '../connect-flow.js';

/**
 * Public Strava routes: OAuth connect + callback (browser pages) and the push-subscription webhook.
 * The webhook only validates, records and enqueues (style.md habit 2). Without STRAVA_CLIENT_ID /
 * _SECRET / _VERIFY_TOKEN every route answers 503 `not_configured`.
 */

/** Strava's event bodies are ~300 bytes; anything near this is not Strava. */
const WEBHOOK_BODY_LIMIT = '64kb';
/** An event is an object holding `updates`: two levels; a little slack. */
const WEBHOOK_MAX_DEPTH = 8;
/** The one answer to every accepted event. */
export const WEBHOOK_ACK = { status: 'received' } as const;


function resultPage(deps: AppDeps, res: Response, result: ConnectResult): void {
  const retry = connectAgainLink(deps, 'strava', result.runnerId);
  switch (result.kind) {
    case 'connected':
      return sendPage(res, 200, 'Strava connected', [
        'Your Strava account is connected. Your runs from the last 12 weeks are being imported now, and new runs will arrive on their own after each upload.',
        'You can close this page.',
      ]);
    case 'missing_scope':
      return sendPage(
        res,
        400,
        'One more permission is needed',
        [
          `Strava was connected without the permission "View data about your private activities" (${REQUIRED_SCOPE}).`,
          'Without it we cannot see runs that are visible only to you, and we are not told when you change an activity’s privacy, so your weekly load would be incomplete.',
          'Please connect again and leave every box on Strava’s permission page ticked.',
        ],
        retry,
      );
    default:
      return sendCommonConnectPage(res, 'Strava', result.kind, retry);
  }
}

export function stravaRoutes(deps: AppDeps, docs: OpenApiRegistry): Router {
  docs.add({
    method: 'get',
    path: '/connect/strava',
    summary: `Start connecting a runner's Strava account (redirects to Strava; scopes ${STRAVA_SCOPES.join(',')})`,
    tags: ['strava'],
    query: ConnectQuery,
    responses: {
      302: { description: 'valid connect link: sets the browser-binding cookie and redirects to Strava’s authorize page' },
      400: { description: 'no connect link (a bare ?runner= is refused), or an invalid or expired one', schema: ErrorBody },
      404: { description: 'unknown runner', schema: ErrorBody },
      503: { description: 'Strava not configured', schema: ErrorBody },
    },
  });
  docs.add({
    method: 'get',
    path: '/connect/strava/callback',
    summary: 'OAuth callback: checks state and scopes, stores encrypted tokens, queues a 12-week backfill',
    tags: ['strava'],
    responses: {
      200: { description: 'connected (HTML page)', contentType: 'text/html' },
      400: { description: 'invalid, expired or replayed state; access denied; missing activity:read_all (HTML page)', contentType: 'text/html' },
      409: { description: 'the Strava account belongs to another runner (HTML page)', contentType: 'text/html' },
    },
  });
  docs.add({
    method: 'get',
    path: '/webhooks/strava',
    summary: 'Push-subscription handshake: echoes hub.challenge when hub.verify_token matches',
    tags: ['strava'],
    responses: {
      200: { description: 'challenge echoed', schema: z.object({ 'hub.challenge': z.string() }) },
      403: { description: 'wrong verify token', schema: ErrorBody },
    },
  });
  docs.add({
    method: 'post',
    path: '/webhooks/strava',
    summary: 'Strava event: recorded in the inbox and queued; answers 200 at once. Deletes and deauthorizations act only after Strava confirms them',
    tags: ['strava'],
    body: StravaEvent,
    responses: {
      200: {
        description: 'received: the same answer for a new event, a redelivery and an event of another subscription (the inbox row records which)',
        schema: z.object({ status: z.literal('received') }),
      },
      400: { description: 'malformed JSON, nesting too deep, NUL characters', schema: ErrorBody },
      413: { description: 'body over 64 kB', schema: ErrorBody },
      422: { description: 'not a Strava event', schema: ErrorBody },
    },
  });

  const requireStrava: RequestHandler = (_req, _res, next) => next(deps.env.strava ? undefined : new NotConfiguredError('Strava'));
  const router = Router();
  const inbox = new StravaInbox(deps);

  router.get('/connect/strava', requireStrava, rateLimit(deps, 'connect'), async (req, res) => {
    const { link } = parseInput(ConnectQuery, req.query, 'query');
    if (!link) throw new BadRequestError('a connect link is required: ask the app for one (POST /v1/runners/{runnerId}/connect-links)', 'connect_link_required');
    await startFromConnectLink(deps, req, res, 'strava');
  });

  router.get('/connect/strava/callback', requireStrava, securityHeaders(deps.env, 'page'), async (req, res) => {
    try {
      const nonce = browserNonce(req, 'strava');
      clearConnectCookie(deps, res, 'strava');
      resultPage(deps, res, await completeStravaConnect(deps, req.query as Record<string, unknown>, nonce));
    } catch (err) {
      // The runner's browser lands here: answer with a page, keeping the status and code.
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      sendPage(res, err.status, 'Strava could not be connected', [err.message, `(error code: ${err.code})`]);
    }
  });

  router.get('/webhooks/strava', requireStrava, rateLimit(deps, 'webhook'), (req, res) => {
    const result = checkHandshake(req.query as Record<string, unknown>, deps.env.strava!.verifyToken);
    if (!result.ok) {
      if (result.reason === 'bad_verify_token') throw new ForbiddenError('hub.verify_token does not match', 'bad_verify_token');
      throw new AppError(400, 'bad_handshake', 'expected hub.mode=subscribe, hub.challenge and hub.verify_token');
    }
    res.status(200).json({ 'hub.challenge': result.challenge });
  });

  router.post('/webhooks/strava', requireStrava, rateLimit(deps, 'webhook'), express.raw({ limit: WEBHOOK_BODY_LIMIT, type: () => true }), async (req, res) => {
    // Big ids stay exact (digit strings); deep nesting and NUL characters are refused with 400.
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const event = parseInput(StravaEvent, parseJsonGuarded(raw, { bigIntsAsStrings: true, maxDepth: WEBHOOK_MAX_DEPTH }));
    await inbox.receive(event);
    // One answer whatever happened (queued, redelivery, other subscription): nothing to probe.
    res.status(200).json(WEBHOOK_ACK);
  });

  return router;
}
