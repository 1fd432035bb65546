import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express, { Router, type Express } from 'express';
import type { AppDeps } from '../../deps.js';
import type { Metrics } from '../../services/metrics.js';
import { requireOperator } from '../middleware/admin-auth.js';
import type { KeySources } from '../middleware/auth.js';
import { securityHeaders } from '../middleware/security-headers.js';
import { errorHandler, notFound } from '../middleware/errors.js';
import type { OpenApiRegistry } from '../openapi.js';

export const ADMIN_QUEUES_PATH = '/admin/queues';

/**
 * The operator's view: the BullMQ dashboard (every catalog queue) at /admin/queues behind the
 * operator keys (`API_KEYS`, or a database key of the operator scope), and Prometheus /metrics
 * behind METRICS_TOKEN or an operator key.
 */
export function adminRoutes(deps: Pick<AppDeps, 'env' | 'queues' | 'db' | 'now'>, docs: OpenApiRegistry, metrics: Metrics): Router {
  const keys = { db: deps.db, now: deps.now };
  const router = Router();

  const board = new ExpressAdapter();
  board.setBasePath(ADMIN_QUEUES_PATH);
  createBullBoard({
    queues: Object.values(deps.queues).map((q) => new BullMQAdapter(q)),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'stridesync queues' } },
  });
  router.use(ADMIN_QUEUES_PATH, requireOperator(deps.env.apiKeys, undefined, keys), securityHeaders(deps.env, 'dashboard'), board.getRouter() as Router);

  const metricsSecrets = [...deps.env.apiKeys, ...(deps.env.METRICS_TOKEN ? [deps.env.METRICS_TOKEN] : [])];
  docs.add({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics (Bearer METRICS_TOKEN or an operator API key)',
    tags: ['ops'],
    responses: { 200: { description: 'Prometheus text exposition format' } },
  });
  router.use(metricsHandler(metricsSecrets, metrics, keys));
  return router;
}

function metricsHandler(secrets: string[], metrics: Metrics, keys: Omit<KeySources, 'envKeys'>): Router {
  const router = Router();
  router.get('/metrics', requireOperator(secrets, 'stridesync metrics', keys), async (_req, res, next) => {
    try {
      const body = await metrics.registry.metrics();
      res.setHeader('Content-Type', metrics.registry.contentType);
      res.setHeader('Cache-Control', 'no-store');
      res.send(body);
    } catch (err) {
      next(err);
    }
  });
  return router;
}

/**
 * What a worker-only process (ROLE=worker) serves on PORT: /metrics alone, so its job series can be
 * scraped too. Webhooks, uploads and the dashboard stay with the API processes.
 */
export function createMetricsApp(deps: Pick<AppDeps, 'env' | 'db' | 'now'>, metrics: Metrics): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(metricsHandler([...deps.env.apiKeys, ...(deps.env.METRICS_TOKEN ? [deps.env.METRICS_TOKEN] : [])], metrics, { db: deps.db, now: deps.now }));
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
