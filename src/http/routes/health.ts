import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import type { OpenApiRegistry } from '../openapi.js';

const HEALTH_TIMEOUT_MS = 1_500;

const HealthBody = z.object({ status: z.enum(['ok', 'degraded']), db: z.string(), redis: z.string() });

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref())]);
}

async function check(fn: () => Promise<unknown>): Promise<string> {
  try {
    await withTimeout(fn(), HEALTH_TIMEOUT_MS);
    return 'ok';
  } catch (err) {
    return `error: ${(err as Error).message || 'unreachable'}`;
  }
}

/** Real checks of Postgres and Redis; 503 names the part that failed. */
export function healthRoutes(deps: Pick<AppDeps, 'database' | 'redis'>, docs: OpenApiRegistry): Router {
  docs.add({
    method: 'get',
    path: '/health',
    summary: 'Liveness with real Postgres and Redis checks',
    tags: ['ops'],
    responses: { 200: { description: 'all parts answer', schema: HealthBody }, 503: { description: 'a part is down', schema: HealthBody } },
  });
  const router = Router();
  router.get('/health', async (_req, res) => {
    const [db, redis] = await Promise.all([check(() => deps.database.pool.query('select 1')), check(() => deps.redis.ping())]);
    const ok = db === 'ok' && redis === 'ok';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', db, redis });
  });
  return router;
}
