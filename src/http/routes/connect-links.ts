import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { CONNECT_LINK_TTL_S, CONNECT_PROVIDERS, createConnectLink } from '../../services/connect-links.js';
import { rateLimit } from '../middleware/rate-limit.js';
import { ErrorBody, type OpenApiRegistry } from '../openapi.js';
import { parseInput } from '../validate.js';

export const ConnectLinkBody = z.object({ provider: z.enum(CONNECT_PROVIDERS) });
const ConnectLinkView = z.object({ url: z.string().describe('open in the runner’s browser: starts OAuth'), expiresAt: z.string() });

/** `POST /v1/runners/:runnerId/connect-links`: the only way to start connecting a platform (docs/security.md). */
export function connectLinkRoutes(deps: AppDeps, docs: OpenApiRegistry): Router {
  docs.add({
    method: 'post',
    path: '/v1/runners/:runnerId/connect-links',
    summary: `A signed URL, valid ${CONNECT_LINK_TTL_S / 60} minutes, that starts connecting Strava or Garmin in the browser that opens it`,
    tags: ['runners'],
    auth: true,
    body: ConnectLinkBody,
    responses: {
      201: { description: 'the link', schema: ConnectLinkView },
      404: { description: 'unknown runner', schema: ErrorBody },
      422: { description: 'provider is not strava or garmin', schema: ErrorBody },
      429: { description: 'too many links from this client', schema: ErrorBody },
      503: { description: 'that platform is not configured', schema: ErrorBody },
    },
  });
  const router = Router();
  router.post('/v1/runners/:runnerId/connect-links', rateLimit(deps, 'link'), async (req, res) => {
    const { provider } = parseInput(ConnectLinkBody, req.body);
    res
      .status(201)
      .set('Cache-Control', 'no-store')
      .json(await createConnectLink(deps, String(req.params.runnerId), provider));
  });
  return router;
}
