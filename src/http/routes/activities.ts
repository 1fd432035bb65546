import { Router } from 'express';
import { isUuid } from '../../lib/ids.js';
import { z } from 'zod';
import { findRunnerActivity, listRunnerActivities } from '../../db/queries/activities.js';
import type { AppDeps } from '../../deps.js';
import { NotFoundError } from '../../lib/errors.js';
import { toActivityView } from '../../services/activity-view.js';
import { painRowsFor, painView } from '../../services/pain/diary.js';
import { requireRunner } from '../../services/runners.js';
import { acceptFitFile } from '../../services/uploads.js';
import { acceptZipArchive } from '../../services/zip-uploads.js';
import { parseByteSize, receiveUploadBody } from '../upload-body.js';
import { ErrorBody, type OpenApiRegistry } from '../openapi.js';
import { LocalDate } from '../schemas.js';
import { parseInput } from '../validate.js';

export const ActivityListQuery = z.object({
  from: LocalDate.optional(),
  to: LocalDate.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const UploadAnswer = z.object({ activityId: z.uuid(), status: z.enum(['queued', 'duplicate']) });
const ZipUploadAnswer = z.object({
  archive: z.literal(true),
  entries: z.array(
    z.object({
      entry: z.string(),
      status: z.enum(['queued', 'duplicate', 'skipped', 'failed']),
      activityId: z.uuid().nullable(),
      reason: z.string().nullable(),
      error: z.object({ code: z.string(), message: z.string() }).nullable(),
    }),
  ),
  counts: z.object({ queued: z.number(), duplicate: z.number(), skipped: z.number(), failed: z.number() }),
});

export function activityRoutes(deps: AppDeps, docs: OpenApiRegistry): Router {
  docs.add({
    method: 'post',
    path: '/v1/runners/:runnerId/uploads',
    summary: 'Upload a FIT file (raw or gzip) or a zip archive of them (bulk history export)',
    tags: ['activities'],
    auth: true,
    body: z.string().describe('FIT file bytes, gzipped FIT, or a zip archive (detected by its first bytes)'),
    bodyContentType: 'application/octet-stream',
    responses: {
      202: { description: 'queued (a zip: at least one entry queued, with a per-entry summary)', schema: z.union([UploadAnswer, ZipUploadAnswer]) },
      200: { description: 'same file already received (a zip: nothing new queued)', schema: z.union([UploadAnswer, ZipUploadAnswer]) },
      400: { description: 'empty body, bad gzip, unreadable zip', schema: ErrorBody },
      413: { description: 'file too large', schema: ErrorBody },
    },
  });
  docs.add({
    method: 'get',
    path: '/v1/runners/:runnerId/activities',
    summary: 'Activities, newest first',
    tags: ['activities'],
    auth: true,
    query: ActivityListQuery,
    responses: { 200: { description: 'list' } },
  });
  docs.add({
    method: 'get',
    path: '/v1/runners/:runnerId/activities/:activityId',
    summary: 'One activity with metrics',
    tags: ['activities'],
    auth: true,
    responses: { 200: { description: 'the activity' }, 404: { description: 'not found', schema: ErrorBody } },
  });

  const router = Router();
  const limits = { maxBytes: parseByteSize(deps.env.UPLOAD_BODY_LIMIT), maxZipBytes: parseByteSize(deps.env.UPLOAD_ZIP_LIMIT) };
  router.post('/v1/runners/:runnerId/uploads', async (req, res) => {
    const runner = await requireRunner(deps, req.params.runnerId);
    const upload = await receiveUploadBody(req, limits);
    if (upload.kind === 'zip') {
      try {
        const summary = await acceptZipArchive(deps, { runnerId: runner.id, path: upload.path });
        res.status(summary.counts.queued > 0 ? 202 : 200).json(summary);
      } finally {
        await upload.cleanup();
      }
      return;
    }
    const name = typeof req.headers['x-file-name'] === 'string' ? req.headers['x-file-name'] : null;
    const result = await acceptFitFile(deps, { runnerId: runner.id, bytes: upload.body, origin: name ?? 'upload' });
    res.status(result.status === 'queued' ? 202 : 200).json(result);
  });
  router.get('/v1/runners/:runnerId/activities', async (req, res) => {
    const runner = await requireRunner(deps, req.params.runnerId);
    const q = parseInput(ActivityListQuery, req.query, 'query');
    const rows = await listRunnerActivities(deps.db, runner.id, q);
    const pain = await painRowsFor(
      deps.db,
      rows.map((r) => r.activity.id),
    );
    res.json({ activities: rows.map((r) => toActivityView(r.activity, r.metrics, painView(pain.get(r.activity.id)))) });
  });
  router.get('/v1/runners/:runnerId/activities/:activityId', async (req, res) => {
    const runner = await requireRunner(deps, req.params.runnerId);
    const row = isUuid(req.params.activityId) ? await findRunnerActivity(deps.db, runner.id, req.params.activityId) : undefined;
    if (!row) throw new NotFoundError(`activity ${req.params.activityId} not found for runner ${runner.id}`, 'activity_not_found');
    const pain = await painRowsFor(deps.db, [row.activity.id]);
    res.json(toActivityView(row.activity, row.metrics, painView(pain.get(row.activity.id))));
  });
  return router;
}
