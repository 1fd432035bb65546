import express, { Router } from 'express';
import { z } from 'zod';
import { findRunnerActivity, listRunnerActivities } from '../../db/queries/activities.js';
import type { AppDeps } from '../../deps.js';
import { NotFoundError } from '../../lib/errors.js';
import { toActivityView } from '../../services/activity-view.js';
import { painRowsFor, painView } from '../../services/pain/diary.js';
import { requireRunner } from '../../services/runners.js';
import { acceptFitFile } from '../../services/uploads.js';
import { ErrorBody, type OpenApiRegistry } from '../openapi.js';
import { LocalDate } from '../schemas.js';
import { parseInput } from '../validate.js';

export const ActivityListQuery = z.object({
  from: LocalDate.optional(),
  to: LocalDate.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const UploadAnswer = z.object({ activityId: z.uuid(), status: z.enum(['queued', 'duplicate']) });

export function activityRoutes(deps: AppDeps, docs: OpenApiRegistry): Router {
  docs.add({
    method: 'post',
    path: '/v1/runners/:runnerId/uploads',
    summary: 'Upload a FIT file (raw or gzip)',
    tags: ['activities'],
    auth: true,
    body: z.string().describe('FIT file bytes'),
    bodyContentType: 'application/octet-stream',
    responses: {
      202: { description: 'queued', schema: UploadAnswer },
      200: { description: 'same file already received', schema: UploadAnswer },
      413: { description: 'file too large', schema: ErrorBody },
    },
  });
  docs.add({ method: 'get', path: '/v1/runners/:runnerId/activities', summary: 'Activities, newest first', tags: ['activities'], auth: true, query: ActivityListQuery, responses: { 200: { description: 'list' } } });
  docs.add({ method: 'get', path: '/v1/runners/:runnerId/activities/:activityId', summary: 'One activity with metrics', tags: ['activities'], auth: true, responses: { 200: { description: 'the activity' }, 404: { description: 'not found', schema: ErrorBody } } });

  const router = Router();
  router.post(
    '/v1/runners/:runnerId/uploads',
    express.raw({ type: () => true, limit: deps.env.UPLOAD_BODY_LIMIT }),
    async (req, res) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const name = typeof req.headers['x-file-name'] === 'string' ? req.headers['x-file-name'] : null;
      const result = await acceptFitFile(deps, { runnerId: req.params.runnerId, bytes: body, origin: name ?? 'upload' });
      res.status(result.status === 'queued' ? 202 : 200).json(result);
    },
  );
  router.get('/v1/runners/:runnerId/activities', async (req, res) => {
    const runner = await requireRunner(deps, req.params.runnerId);
    const q = parseInput(ActivityListQuery, req.query, 'query');
    const rows = await listRunnerActivities(deps.db, runner.id, q);
    const pain = await painRowsFor(deps.db, rows.map((r) => r.activity.id));
    res.json({ activities: rows.map((r) => toActivityView(r.activity, r.metrics, painView(pain.get(r.activity.id)))) });
  });
  router.get('/v1/runners/:runnerId/activities/:activityId', async (req, res) => {
    const runner = await requireRunner(deps, req.params.runnerId);
    const row = /^[0-9a-f-]{36}$/i.test(req.params.activityId) ? await findRunnerActivity(deps.db, runner.id, req.params.activityId) : undefined;
    if (!row) throw new NotFoundError(`activity ${req.params.activityId} not found for runner ${runner.id}`, 'activity_not_found');
    const pain = await painRowsFor(deps.db, [row.activity.id]);
    res.json(toActivityView(row.activity, row.metrics, painView(pain.get(row.activity.id))));
  });
  return router;
}
