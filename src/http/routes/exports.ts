import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { getRunnerExport, requestExport } from '../../services/exports/index.js';
import { ErrorBody, type OpenApiRegistry } from '../openapi.js';

const ExportView = z.object({
  id: z.uuid(),
  runnerId: z.uuid(),
  status: z.enum(['queued', 'running', 'ready', 'failed']),
  progress: z.number().int().min(0).max(100),
  bytes: z.number().nullable(),
  createdAt: z.string(),
  readyAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  downloadedAt: z.string().nullable(),
  link: z.enum(['pending', 'active', 'used', 'expired', 'unavailable']),
  downloadUrl: z.string().nullable().describe('the single-use download link, only while it works'),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});

/**
 * The runner's data export (docs/api.md "Data export"): start one (once per request id; while one is
 * queued or running, that one is answered) and follow it to its download link.
 */
export function exportRoutes(deps: AppDeps, docs: OpenApiRegistry): Router {
  docs.add({
    method: 'post',
    path: '/v1/runners/:runnerId/exports',
    summary: 'Export all of a runner’s data as one zip (original files, activities, diary, weeks, warnings, cadence, settings, manifest)',
    tags: ['runners'],
    auth: true,
    responses: {
      202: { description: 'a new export is queued', schema: ExportView },
      200: { description: 'the export of the same x-request-id, or the one already queued or running', schema: ExportView },
      404: { description: 'unknown runner', schema: ErrorBody },
      503: { description: 'the queue is unreachable (nothing was started)', schema: ErrorBody },
    },
  });
  docs.add({
    method: 'get',
    path: '/v1/runners/:runnerId/exports/:exportId',
    summary: 'An export’s status, progress and, once ready, its single-use download link',
    tags: ['runners'],
    auth: true,
    responses: { 200: { description: 'the export', schema: ExportView }, 404: { description: 'unknown runner or export', schema: ErrorBody } },
  });

  const router = Router();
  router.post('/v1/runners/:runnerId/exports', async (req, res) => {
    // x-request-id (or the id generated for this request) names the request: a retry of it starts nothing new
    const { view, created } = await requestExport(deps, req.params.runnerId, String(req.id));
    res
      .status(created ? 202 : 200)
      .location(`/v1/runners/${view.runnerId}/exports/${view.id}`)
      .json(view);
  });
  router.get('/v1/runners/:runnerId/exports/:exportId', async (req, res) => {
    res.json(await getRunnerExport(deps, req.params.runnerId, req.params.exportId));
  });
  return router;
}
