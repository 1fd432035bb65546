import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import type { OpenApiRegistry } from '../openapi.js';

const HEALTH_TIMEOUT_MS = 1_500;

const PartState = z.enum(['ok', 'down']);
const HealthBody = z.object({ status: z.enum(['ok', 'degraded']), db: PartState, redis: PartState });

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref())]);
}

/**
 * `ok` or `down`, nothing more: the answer is public, so hosts, ports and error texts (which name
 * them) go to the log only.
 */
async function check(part: 'db' | 'redis', fn: () => Promise<unknown>, log: AppDeps['log']): Promise<'ok' | 'down'> {
  try {
    await withTimeout(fn(), HEALTH_TIMEOUT_MS);
    return 'ok';
  } catch (err) {
    log.warn({ part, err }, 'health check failed');
    return 'down';
  }
}

/** Real checks of Postgres and Redis; 503 names the part that failed, never where it is. */
export function healthRoutes(deps: Pick<AppDeps, 'database' | 'redis' | 'log'>, docs: OpenApiRegistry): Router {
  docs.add({
    method: 'get',
    path: '/health',
    summary: 'Liveness with real Postgres and Redis checks',
    tags: ['ops'],
    responses: { 200: { description: 'all parts answer', schema: HealthBody }, 503: { description: 'a part is down', schema: HealthBody } },
  });
  const router = Router();
  router.get('/health', async (_req, res) => {
    const [db, redis] = await Promise.all([
      check('db', () => deps.database.pool.query('select 1'), deps.log),
      check('redis', () => deps.redis.ping(), deps.log),
    ]);
    const ok = db === 'ok' && redis === 'ok';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', db, redis });
  });
  return router;
}
