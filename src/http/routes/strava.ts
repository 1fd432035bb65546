import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { checkHandshake, StravaEvent } from '../../integrations/strava/webhook.js';
import { AppError, ForbiddenError, NotConfiguredError } from '../../lib/errors.js';
import { StravaInbox } from '../../services/strava/receive.js';
import { ErrorBody, type OpenApiRegistry } from '../openapi.js';
import { parseJsonGuarded } from '../../lib/safe-json.js';
import { parseInput } from '../validate.js';
import { rateLimit } from '../middleware/rate-limit.js';

/**
 * Strava's push-subscription webhook (the connect routes are the generic ones: routes/connect.ts).
 * The webhook only validates, records and enqueues. Without STRAVA_CLIENT_ID / _SECRET /
 * _VERIFY_TOKEN every route answers 503 `not_configured`.
 */

/** Strava's event bodies are ~300 bytes; anything near this is not Strava. */
const WEBHOOK_BODY_LIMIT = '64kb';
/** An event is an object holding `updates`: two levels; a little slack. */
const WEBHOOK_MAX_DEPTH = 8;
/** The one answer to every accepted event. */
export const WEBHOOK_ACK = { status: 'received' } as const;

export function stravaRoutes(deps: AppDeps, docs: OpenApiRegistry): Router {
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
