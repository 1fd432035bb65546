import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { RunnerPatchBody, updateRunnerSettings } from '../../services/pain/settings.js';
import { requireRunner } from '../../services/runners.js';
import { ErrorBody, type OpenApiRegistry } from '../openapi.js';
import { RunnerView } from './runners.js';
import { parseInput } from '../validate.js';

/** PATCH /v1/runners/:runnerId — name, zone, e-mail, morning prompt time, quiet hours, rest-day check. */
export function runnerSettingsRoutes(deps: AppDeps, docs: OpenApiRegistry): Router {
  docs.add({
    method: 'patch',
    path: '/v1/runners/:runnerId',
    summary: 'Change a runner: name, time zone, e-mail, morning prompt time, quiet hours, rest-day check',
    tags: ['runners'],
    auth: true,
    body: RunnerPatchBody,
    responses: {
      200: { description: 'the runner', schema: RunnerView },
      404: { description: 'unknown runner', schema: ErrorBody },
      422: { description: 'invalid field', schema: ErrorBody },
    },
  });
  const router = Router();
  router.patch('/v1/runners/:runnerId', async (req, res) => {
    // an unknown runner is a 404 whatever the body says (nothing about the body is worth telling then)
    await requireRunner(deps, req.params.runnerId);
    const body = parseInput(RunnerPatchBody, req.body);
    res.json(await updateRunnerSettings(deps, req.params.runnerId, body));
  });
  return router;
}
