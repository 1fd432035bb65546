import { Router } from 'express';
import { z } from 'zod';
import { listWarnings } from '../../db/queries/warnings.js';
import { listWeeks } from '../../db/queries/weeks.js';
import type { AppDeps } from '../../deps.js';
import { requireRunner } from '../../services/runners.js';
import { weekViews, warningView } from '../../services/week-view.js';
import type { OpenApiRegistry } from '../openapi.js';
import { LocalDate } from '../schemas.js';
import { parseInput } from '../validate.js';

export const WeekListQuery = z.object({ from: LocalDate.optional(), to: LocalDate.optional(), limit: z.coerce.number().int().min(1).max(520).default(52) });
export const WarningListQuery = z.object({ status: z.enum(['open', 'resolved']).optional() });

export function weekRoutes(deps: AppDeps, docs: OpenApiRegistry): Router {
  docs.add({
    method: 'get',
    path: '/v1/runners/:runnerId/weeks',
    summary: 'Weekly load with changes and warnings, newest first',
    tags: ['load'],
    auth: true,
    query: WeekListQuery,
    responses: { 200: { description: 'weeks' } },
  });
  docs.add({
    method: 'get',
    path: '/v1/runners/:runnerId/warnings',
    summary: 'Open and past warnings',
    tags: ['load'],
    auth: true,
    query: WarningListQuery,
    responses: { 200: { description: 'warnings' } },
  });
  const router = Router();
  router.get('/v1/runners/:runnerId/weeks', async (req, res) => {
    const runner = await requireRunner(deps, req.params.runnerId);
    const q = parseInput(WeekListQuery, req.query, 'query');
    res.json({ weeks: await weekViews(deps.db, runner.id, await listWeeks(deps.db, runner.id, q)) });
  });
  router.get('/v1/runners/:runnerId/warnings', async (req, res) => {
    const runner = await requireRunner(deps, req.params.runnerId);
    const q = parseInput(WarningListQuery, req.query, 'query');
    res.json({ warnings: (await listWarnings(deps.db, runner.id, q)).map(warningView) });
  });
  return router;
}
