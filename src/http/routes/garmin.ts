import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { safeEqual } from '../../lib/crypto.js';
import { AppError, BadRequestError, NotConfiguredError, NotFoundError } from '../../lib/errors.js';
import { GARMIN_NOTIFICATION_KINDS, recordGarminNotification, type GarminNotificationKind } from '../../services/garmin-receive.js';
import { ErrorBody, type OpenApiRegistry } from '../openapi.js';

/** Garmin requires endpoints that accept at least 10 MB (Activity Details up to 100 MB). */
const GARMIN_BODY_LIMIT = '100mb';

/**
 * Garmin's public routes. Without GARMIN_CLIENT_ID / _SECRET / _WEBHOOK_SECRET they answer 503
 * `not_configured`. With them, notifications are authenticated by the secret path segment (Garmin
 * signs nothing) and recorded in the inbox; OAuth connect is not available yet and says so (501).
 */
export function garminRoutes(deps: AppDeps, docs: OpenApiRegistry): Router {
  for (const kind of GARMIN_NOTIFICATION_KINDS) {
    docs.add({
      method: 'post',
      path: `/webhooks/garmin/:secret/${kind}`,
      summary: `Garmin ${kind} notification: recorded in the inbox, answered 200`,
      tags: ['garmin'],
      body: z.record(z.string(), z.unknown()),
      responses: { 200: { description: 'recorded' }, 404: { description: 'wrong secret', schema: ErrorBody }, 503: { description: 'Garmin not configured', schema: ErrorBody } },
    });
  }
  docs.add({ method: 'get', path: '/connect/garmin', summary: 'Garmin OAuth 2 (PKCE) connect', tags: ['garmin'], responses: { 501: { description: 'not available yet', schema: ErrorBody }, 503: { description: 'Garmin not configured', schema: ErrorBody } } });

  const requireGarmin: RequestHandler = (_req, _res, next) => next(deps.env.garmin ? undefined : new NotConfiguredError('Garmin'));
  const router = Router();

  const notConnectable: RequestHandler = () => {
    throw new AppError(501, 'not_implemented', 'connecting a Garmin account is not available yet; FIT files can be uploaded or imported meanwhile');
  };
  router.get('/connect/garmin', requireGarmin, notConnectable);
  router.get('/connect/garmin/callback', requireGarmin, notConnectable);

  router.post('/webhooks/garmin/:secret/:kind', requireGarmin, express.raw({ type: () => true, limit: GARMIN_BODY_LIMIT }), async (req, res) => {
    // A wrong secret looks like a missing route: nothing to learn by probing.
    if (!safeEqual(String(req.params.secret), deps.env.garmin!.webhookSecret)) throw new NotFoundError(`no route for POST ${req.baseUrl}/webhooks/garmin/…`, 'route_not_found');
    const kind = String(req.params.kind);
    if (!(GARMIN_NOTIFICATION_KINDS as readonly string[]).includes(kind)) throw new NotFoundError(`unknown Garmin notification type ${kind}`, 'route_not_found');
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let payload: unknown;
    try {
      payload = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      throw new BadRequestError(`request body is not valid JSON: ${(err as Error).message}`, 'invalid_json');
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new BadRequestError('expected a JSON object', 'invalid_notification');
    const outcome = await recordGarminNotification(deps, kind as GarminNotificationKind, raw, payload);
    res.status(200).json({ status: outcome });
  });
  return router;
}
