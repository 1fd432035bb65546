import express, { Router, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { REQUIRED_PERMISSION } from '../../integrations/garmin/oauth.js';
import { safeEqual } from '../../lib/crypto.js';
import { AppError, BadRequestError, NotConfiguredError, NotFoundError } from '../../lib/errors.js';
import { completeGarminConnect, type GarminConnectResult } from '../../services/garmin-connect.js';
import { GARMIN_NOTIFICATION_KINDS, recordGarminNotification, type GarminNotificationKind } from '../../services/garmin-receive.js';
import { ErrorBody, type OpenApiRegistry } from '../openapi.js';
import { connectAgainLink, sendCommonConnectPage, sendPage } from '../pages.js';
import { ConnectQuery } from '../schemas.js';
import { parseInput } from '../validate.js';
import { parseJsonGuarded } from '../../lib/safe-json.js';
import { rateLimit } from '../middleware/rate-limit.js';
import { securityHeaders } from '../middleware/security-headers.js';
import { browserNonce, clearConnectCookie, startFromConnectLink } from '../connect-flow.js';

/** Garmin requires endpoints that accept at least 10 MB (Activity Details up to 100 MB). */
const GARMIN_BODY_LIMIT = '100mb';
/** Garmin's notifications are an object of arrays of flat objects; a little slack. */
const GARMIN_MAX_DEPTH = 16;


function resultPage(deps: AppDeps, res: Response, result: GarminConnectResult): void {
  const retry = connectAgainLink(deps, 'garmin', result.runnerId);
  switch (result.kind) {
    case 'connected':
      return sendPage(res, 200, 'Garmin connected', [
        'Your Garmin account is connected. Runs you sync from your watch from now on will arrive here on their own.',
        'You can close this page.',
      ]);
    case 'missing_permission':
      return sendPage(
        res,
        400,
        'Activity sharing is switched off',
        [
          `Garmin was connected without permission to share your activities (${REQUIRED_PERMISSION}), so no run would ever reach us. Nothing was saved.`,
          'Please connect again and, on Garmin’s permission page, leave “Activities” switched on. If you turned it off later in Garmin Connect (Settings → Connected Apps), switch it back on there.',
        ],
        retry,
      );
    default:
      return sendCommonConnectPage(res, 'Garmin', result.kind, retry);
  }
}

/**
 * Garmin's public routes. Without GARMIN_CLIENT_ID / _SECRET / _WEBHOOK_SECRET they answer 503
 * `not_configured`. Connect is OAuth 2 + PKCE (HTML result pages like Strava's). Notifications are
 * authenticated by the secret path segment (Garmin signs nothing), recorded in the inbox and queued
 * (`garmin.handle-notification`); a `garmin-client-id` header that is not ours is recorded as
 * ignored and still answered 200 (see services/garmin-receive.ts).
 */
export function garminRoutes(deps: AppDeps, docs: OpenApiRegistry): Router {
  for (const kind of GARMIN_NOTIFICATION_KINDS) {
    docs.add({
      method: 'post',
      path: `/webhooks/garmin/:secret/${kind}`,
      summary: `Garmin ${kind} notification: recorded in the inbox, queued, answered 200`,
      tags: ['garmin'],
      body: z.record(z.string(), z.unknown()),
      responses: {
        200: { description: 'recorded, duplicate, or ignored_client_id', schema: z.object({ status: z.string() }) },
        404: { description: 'wrong secret', schema: ErrorBody },
        503: { description: 'Garmin not configured', schema: ErrorBody },
      },
    });
  }
  docs.add({
    method: 'get',
    path: '/connect/garmin',
    summary: "Start connecting a runner's Garmin account (OAuth 2 + PKCE; redirects to Garmin)",
    tags: ['garmin'],
    query: ConnectQuery,
    responses: {
      302: { description: 'valid connect link: sets the browser-binding cookie and redirects to Garmin’s oauth2Confirm page' },
      400: { description: 'no connect link (a bare ?runner= is refused), or an invalid or expired one', schema: ErrorBody },
      404: { description: 'unknown runner', schema: ErrorBody },
      503: { description: 'Garmin not configured', schema: ErrorBody },
    },
  });
  docs.add({
    method: 'get',
    path: '/connect/garmin/callback',
    summary: 'OAuth callback: checks state, exchanges the code with the PKCE verifier, checks ACTIVITY_EXPORT, stores encrypted tokens',
    tags: ['garmin'],
    responses: {
      200: { description: 'connected (HTML page)', contentType: 'text/html' },
      400: { description: 'invalid, expired or replayed state; access denied; ACTIVITY_EXPORT not granted (HTML page)', contentType: 'text/html' },
      409: { description: 'the Garmin account belongs to another runner (HTML page)', contentType: 'text/html' },
    },
  });

  const requireGarmin: RequestHandler = (_req, _res, next) => next(deps.env.garmin ? undefined : new NotConfiguredError('Garmin'));
  const router = Router();

  router.get('/connect/garmin', requireGarmin, rateLimit(deps, 'connect'), async (req, res) => {
    const { link } = parseInput(ConnectQuery, req.query, 'query');
    if (!link) throw new BadRequestError('a connect link is required: ask the app for one (POST /v1/runners/{runnerId}/connect-links)', 'connect_link_required');
    await startFromConnectLink(deps, req, res, 'garmin');
  });

  router.get('/connect/garmin/callback', requireGarmin, securityHeaders(deps.env, 'page'), async (req, res) => {
    try {
      const nonce = browserNonce(req, 'garmin');
      clearConnectCookie(deps, res, 'garmin');
      resultPage(deps, res, await completeGarminConnect(deps, req.query as Record<string, unknown>, nonce));
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      sendPage(res, err.status, 'Garmin could not be connected', [err.message, `(error code: ${err.code})`]);
    }
  });

  // The path secret is checked (constant time) before a single body byte is read: no body parser,
  // no gunzip runs for a caller who does not know it. A wrong secret looks like a missing route
  // (the answer never echoes it), and the connection is closed rather than drained.
  const checkSecret: RequestHandler = (req, res, next) => {
    if (safeEqual(String(req.params.secret), deps.env.garmin!.webhookSecret)) return next();
    res.set('Connection', 'close');
    next(new NotFoundError('no route for POST /webhooks/garmin/…', 'route_not_found'));
  };

  router.post('/webhooks/garmin/:secret/:kind', requireGarmin, rateLimit(deps, 'webhook'), checkSecret, express.raw({ type: () => true, limit: GARMIN_BODY_LIMIT }), async (req, res) => {
    const kind = String(req.params.kind);
    if (!(GARMIN_NOTIFICATION_KINDS as readonly string[]).includes(kind)) throw new NotFoundError(`unknown Garmin notification type ${kind}`, 'route_not_found');
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    // Deep nesting and NUL characters are refused with 400 before anything recursive or Postgres sees them.
    const payload = parseJsonGuarded(raw.toString('utf8'), { maxDepth: GARMIN_MAX_DEPTH });
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new BadRequestError('expected a JSON object', 'invalid_notification');
    const outcome = await recordGarminNotification(deps, kind as GarminNotificationKind, raw, payload, {
      clientIdHeader: req.get('garmin-client-id'),
      expectedClientId: deps.env.garmin!.clientId,
    });
    res.status(200).json({ status: outcome });
  });
  return router;
}
