import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { safeEqual } from '../../lib/crypto.js';
import { BadRequestError, NotConfiguredError, NotFoundError } from '../../lib/errors.js';
import { GARMIN_NOTIFICATION_KINDS, recordGarminNotification, type GarminNotificationKind } from '../../services/garmin/receive.js';
import { ErrorBody, type OpenApiRegistry } from '../openapi.js';
import { parseJsonGuarded } from '../../lib/safe-json.js';
import { rateLimit } from '../middleware/rate-limit.js';

/** Garmin requires endpoints that accept at least 10 MB (Activity Details up to 100 MB). */
const GARMIN_BODY_LIMIT = '100mb';
/** Garmin's notifications are an object of arrays of flat objects; a little slack. */
const GARMIN_MAX_DEPTH = 16;

/**
 * Garmin's notification webhooks (the connect routes are the generic ones: routes/connect.ts).
 * Without GARMIN_CLIENT_ID / _SECRET / _WEBHOOK_SECRET they answer 503 `not_configured`. Notifications are
 * authenticated by the secret path segment (Garmin signs nothing), recorded in the inbox and queued
 * (`garmin.handle-notification`); a `garmin-client-id` header that is not ours is recorded as
 * ignored and still answered 200 (see services/garmin/receive.ts).
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
  const requireGarmin: RequestHandler = (_req, _res, next) => next(deps.env.garmin ? undefined : new NotConfiguredError('Garmin'));
  const router = Router();

  // The path secret is checked (constant time) before a single body byte is read: no body parser,
  // no gunzip runs for a caller who does not know it. A wrong secret looks like a missing route
  // (the answer never echoes it), and the connection is closed rather than drained.
  const checkSecret: RequestHandler = (req, res, next) => {
    if (safeEqual(String(req.params.secret), deps.env.garmin!.webhookSecret)) return next();
    res.set('Connection', 'close');
    next(new NotFoundError('no route for POST /webhooks/garmin/…', 'route_not_found'));
  };

  router.post(
    '/webhooks/garmin/:secret/:kind',
    requireGarmin,
    rateLimit(deps, 'webhook'),
    checkSecret,
    express.raw({ type: () => true, limit: GARMIN_BODY_LIMIT }),
    async (req, res) => {
      const kind = String(req.params.kind);
      if (!(GARMIN_NOTIFICATION_KINDS as readonly string[]).includes(kind))
        throw new NotFoundError(`unknown Garmin notification type ${kind}`, 'route_not_found');
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      // Deep nesting and NUL characters are refused with 400 before anything recursive or Postgres sees them.
      const payload = parseJsonGuarded(raw.toString('utf8'), { maxDepth: GARMIN_MAX_DEPTH });
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
        throw new BadRequestError('expected a JSON object', 'invalid_notification');
      const outcome = await recordGarminNotification(deps, kind as GarminNotificationKind, raw, payload, {
        clientIdHeader: req.get('garmin-client-id'),
        expectedClientId: deps.env.garmin!.clientId,
      });
      res.status(200).json({ status: outcome });
    },
  );
  return router;
}
