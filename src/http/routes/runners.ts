import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { disconnectConnection } from '../../services/connections/disconnect.js';
import { RunnerPromptSettingsView } from '../../services/pain/settings.js';
import { eraseRunner } from '../../services/erasure.js';
import { createRunner, getRunnerView, requireRunner } from '../../services/runners.js';
import { ErrorBody, type OpenApiRegistry } from '../openapi.js';
import { parseInput } from '../validate.js';
import { apiKeyOf } from '../middleware/auth.js';

export const CreateRunnerBody = z.object({
  name: z.string().trim().min(1, 'required').max(200),
  timezone: z.string().trim().min(1, 'required').max(64).describe('IANA time zone, e.g. Europe/Oslo'),
});

export const RunnerView = z.object({
  id: z.uuid(),
  name: z.string(),
  timezone: z.string(),
  ...RunnerPromptSettingsView,
  createdAt: z.string(),
  connections: z.array(
    z.object({
      id: z.uuid(),
      provider: z.enum(['strava', 'garmin']),
      status: z.string(),
      statusReason: z.string().nullable(),
      scopes: z.array(z.string()),
      backfill: z.object({ status: z.string(), total: z.number(), done: z.number() }),
      connectedAt: z.string(),
    }),
  ),
  cadenceGoal: z
    .object({ baselineSpm: z.number().nullable(), targetSpm: z.number().nullable(), targetPct: z.number().nullable(), startDate: z.string() })
    .nullable(),
});

const ProviderParam = z.enum(['strava', 'garmin']);

export const ErasureView = z.object({
  runnerId: z.uuid(),
  erasedAt: z.string(),
  deleted: z
    .record(z.string(), z.number())
    .describe('rows deleted per table (webhook_events_redacted: shared Garmin notifications the runner was removed from)'),
  upstreamRevokes: z.number().describe('platform grants queued for revocation upstream'),
  jobs: z.object({ removed: z.number(), active: z.number() }).describe('queued jobs removed; active: running at that moment'),
});

export function runnerRoutes(deps: AppDeps, docs: OpenApiRegistry): Router {
  docs.add({
    method: 'post',
    path: '/v1/runners',
    summary: 'Create a runner',
    tags: ['runners'],
    auth: true,
    body: CreateRunnerBody,
    responses: { 201: { description: 'created', schema: z.object({ id: z.uuid() }) }, 422: { description: 'invalid body', schema: ErrorBody } },
  });
  docs.add({
    method: 'get',
    path: '/v1/runners/:runnerId',
    summary: 'A runner with prompt settings, connections and cadence goal',
    tags: ['runners'],
    auth: true,
    responses: { 200: { description: 'the runner', schema: RunnerView }, 404: { description: 'unknown runner', schema: ErrorBody } },
  });

  docs.add({
    method: 'delete',
    path: '/v1/runners/:runnerId/connections/:provider',
    summary: "Disconnect Strava or Garmin: revoke the platform's access and delete that platform's activities (pain answers stay)",
    tags: ['runners'],
    auth: true,
    responses: {
      200: {
        description: 'disconnected',
        schema: z.object({
          provider: ProviderParam,
          status: z.literal('disconnected'),
          upstreamRevoked: z.boolean(),
          upstreamRevokePending: z.boolean().describe('the platform could not be reached; the revoke is retried by a job until it confirms'),
          deletedActivities: z.number(),
        }),
      },
      404: { description: 'no such runner or connection', schema: ErrorBody },
    },
  });

  docs.add({
    method: 'delete',
    path: '/v1/runners/:runnerId',
    summary:
      'Erase a runner (GDPR Art. 17): revoke every platform connection upstream (retried by a job), delete every row of the runner and their queued jobs; only an audit row remains',
    tags: ['runners'],
    auth: true,
    responses: {
      200: { description: 'erased; what was removed', schema: ErasureView },
      404: { description: 'unknown runner, or already erased', schema: ErrorBody },
    },
  });

  const router = Router();
  router.post('/v1/runners', async (req, res) => {
    const body = parseInput(CreateRunnerBody, req.body);
    const runner = await createRunner(deps, body);
    res.status(201).location(`/v1/runners/${runner.id}`).json({ id: runner.id });
  });
  router.get('/v1/runners/:runnerId', async (req, res) => {
    res.json(await getRunnerView(deps, req.params.runnerId));
  });
  router.delete('/v1/runners/:runnerId', async (req, res) => {
    const keyName = apiKeyOf(res)?.name ?? 'unknown';
    res.json(await eraseRunner(deps, req.params.runnerId, `api:${keyName}`));
  });
  router.delete('/v1/runners/:runnerId/connections/:provider', async (req, res) => {
    const runner = await requireRunner(deps, req.params.runnerId);
    const provider = parseInput(ProviderParam, req.params.provider, 'params');
    res.json(await disconnectConnection(deps, runner.id, provider));
  });
  return router;
}
