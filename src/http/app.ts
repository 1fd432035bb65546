import { randomUUID } from 'node:crypto';
import express, { type Express, type Response, type Router } from 'express';
import { pinoHttp } from 'pino-http';
import type { AppDeps } from '../deps.js';
import { enforceKeyScope } from './middleware/access.js';
import { apiKeyOf, requireApiKey } from './middleware/auth.js';
import { rateLimit } from './middleware/rate-limit.js';
import { securityHeaders } from './middleware/security-headers.js';
import { jsonVerify } from '../lib/safe-json.js';
import { errorHandler, notFound } from './middleware/errors.js';
import { OpenApiRegistry } from './openapi.js';
import { adminRoutes } from './routes/admin.js';
import { createMetrics, type Metrics } from '../services/metrics.js';
import { connectRoutes } from './routes/connect.js';
import { garminRoutes } from './routes/garmin.js';
import { providersOf } from '../integrations/registry.js';
import { pageRoutes } from './pages/routes.js';
import { pageApiRoutes } from './pages/api.js';
import { healthRoutes } from './routes/health.js';
import { activityRoutes } from './routes/activities.js';
import { connectLinkRoutes } from './routes/connect-links.js';
import { runnerRoutes } from './routes/runners.js';
import { stravaRoutes } from './routes/strava.js';
import { weekRoutes } from './routes/weeks.js';
import { painReportRoutes } from './routes/reports-pain.js';
import { cadenceRoutes } from './routes/cadence.js';
import { answerPageRoutes } from './routes/answer-page.js';
import { promptRoutes } from './routes/prompts.js';
import { diaryRoutes } from './routes/diary.js';
import { runnerSettingsRoutes } from './routes/runner-settings.js';
import { redactingErrSerializer, redactResponseHeaders, redactUrl } from '../lib/log-redact.js';
import { exportRoutes } from './routes/exports.js';

export { redactUrl };

export type AppRouteFactory = (deps: AppDeps, docs: OpenApiRegistry) => Router;

/**
 * The express app, without listen(), so tests can mount it. Order: request id + log, public routes
 * (health, OpenAPI, webhooks, OAuth, answer pages), then bearer-auth'd /v1.
 */
export function createApp(deps: AppDeps, extra: { publicRoutes?: AppRouteFactory[]; v1Routes?: AppRouteFactory[]; metrics?: Metrics } = {}): Express {
  const metrics = extra.metrics ?? createMetrics(deps);
  const app = express();
  app.disable('x-powered-by');
  // whose X-Forwarded-For names the client (req.ip, used by the rate limits): TRUST_PROXY, default loopback
  app.set('trust proxy', deps.env.TRUST_PROXY);
  app.set('query parser', 'extended');
  // Every answer that carries a runner's data is `Cache-Control: no-store` (the pages, and /v1 below), so
  // no cache ever revalidates it: hashing each body for an ETag (an 800 kB cadence report) is pure cost.
  // Static assets are versioned in their URL and cached as immutable.
  app.set('etag', false);
  const docs = new OpenApiRegistry();

  app.use(
    pinoHttp({
      logger: deps.log,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        // Only a short safe token is echoed and logged; anything else gets a fresh id.
        const id = typeof incoming === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(incoming) ? incoming : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      // Query strings (OAuth codes and state, connect links, the Strava verify token), secret path segments
      // (sign-in, share and answer links, the Garmin webhook secret), cookie values and redirect targets'
      // secrets stay out of logs, and so do the values of a failed query (src/lib/log-redact.ts).
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url) }),
        res: (res: { statusCode: number; headers?: Record<string, unknown> }) => ({ statusCode: res.statusCode, headers: redactResponseHeaders(res.headers) }),
        err: redactingErrSerializer,
      },
      // which key made the request, by its name (never the key itself)
      customProps: (_req, res) => {
        const key = apiKeyOf(res as unknown as Response);
        return key ? { apiKey: key.name } : {};
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
    }),
  );

  app.use(securityHeaders(deps.env));

  app.use(metrics.webhookAckTimer);
  app.use(healthRoutes(deps, docs));
  app.use(adminRoutes(deps, docs, metrics));
  for (const provider of providersOf(deps).all()) app.use(connectRoutes(deps, docs, provider));
  app.use(stravaRoutes(deps, docs));
  app.use(garminRoutes(deps, docs));
  app.use(answerPageRoutes(deps, docs));
  app.use(pageRoutes(deps, docs));
  for (const f of extra.publicRoutes ?? []) app.use(f(deps, docs));

  // Route files declare full paths; auth and the JSON parser apply to everything under /v1.
  const v1 = express.Router();
  v1.use(
    '/v1',
    (_req, res, next) => {
      // a runner's health data: never kept by a browser or a proxy
      res.setHeader('Cache-Control', 'no-store');
      next();
    },
    requireApiKey({ envKeys: deps.env.apiKeys, db: deps.db, now: deps.now }, rateLimit(deps, 'auth-failure')),
    // what the key's scope allows on the route the request reaches (docs/security.md "API keys")
    enforceKeyScope(v1),
    // deep nesting and NUL characters are refused with 400 before parsing
    express.json({ limit: deps.env.JSON_BODY_LIMIT, type: ['application/json', 'application/*+json'], verify: jsonVerify() }),
  );
  v1.use(runnerRoutes(deps, docs));
  v1.use(activityRoutes(deps, docs));
  v1.use(weekRoutes(deps, docs));
  v1.use(connectLinkRoutes(deps, docs));
  v1.use(pageApiRoutes(deps, docs));
  v1.use(painReportRoutes(deps, docs));
  v1.use(cadenceRoutes(deps, docs));
  v1.use(runnerSettingsRoutes(deps, docs));
  v1.use(promptRoutes(deps, docs));
  v1.use(diaryRoutes(deps, docs));
  v1.use(exportRoutes(deps, docs));
  for (const f of extra.v1Routes ?? []) v1.use(f(deps, docs));
  app.use(v1);

  app.get('/openapi.json', (_req, res) => {
    res.json(docs.document({ title: 'stridesync', version: '0.1.0', serverUrl: deps.env.PUBLIC_URL }));
  });

  app.use(notFound);
  app.use(errorHandler);
  return app;
}
