import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { PROMPT_STATUSES } from '../../db/schema/index.js';
import { recordAnswer } from '../../services/pain/answers.js';
import { answerValues, listPrompts, promptNotFound, promptRunnerId, promptView, requireRunnerPrompt, storedAnswer } from '../../services/prompts/index.js';
import { ownedByRunner } from '../middleware/access.js';
import { requireRunner } from '../../services/runners.js';
import { ErrorBody, type OpenApiRegistry } from '../openapi.js';
import { parseInput } from '../validate.js';

const PromptsQuery = z.object({
  status: z
    .enum([...PROMPT_STATUSES, 'open'])
    .optional()
    .describe('pending (= open: not yet answered and not closed), sent, answered, expired, cancelled'),
});
const AnswerBody = z
  .object({
    duringRun: z.number().int().min(0).max(10).optional(),
    painNow: z.number().int().min(0).max(10).optional(),
    painBefore: z.number().int().min(0).max(10).optional(),
    stoppedForKnee: z.boolean().optional(),
    calfDuring: z.number().int().min(0).max(10).optional(),
    settled: z.enum(['yes', 'not_yet']).optional(),
    nextMorning: z.number().int().min(0).max(10).optional(),
    nextMorningVsYesterday: z.enum(['better', 'same', 'worse']).optional(),
    stairsOrSittingWorse: z.boolean().optional(),
    note: z.string().max(2000).optional(),
  })
  .describe(
    'the fields of the prompt kind: after_run {duringRun, painNow, painBefore?, stoppedForKnee, calfDuring?}; settle_check {settled}; next_morning {nextMorning, nextMorningVsYesterday, stairsOrSittingWorse?}; rest_morning {nextMorning}',
  );

export function promptRoutes(deps: AppDeps, docs: OpenApiRegistry): Router {
  docs.add({
    method: 'get',
    path: '/v1/runners/:runnerId/prompts',
    summary: "A runner's pain prompts",
    tags: ['pain'],
    auth: true,
    query: PromptsQuery,
    responses: { 200: { description: 'prompts' }, 404: { description: 'unknown runner', schema: ErrorBody } },
  });
  docs.add({
    method: 'post',
    path: '/v1/prompts/:promptId/answer',
    summary: 'Answer (or change the answer to) a pain prompt',
    tags: ['pain'],
    auth: true,
    body: AnswerBody,
    responses: {
      200: { description: 'recorded' },
      404: { description: 'unknown prompt', schema: ErrorBody },
      410: { description: 'closed or withdrawn', schema: ErrorBody },
      422: { description: 'invalid answer', schema: ErrorBody },
    },
  });
  const router = Router();
  router.get('/v1/runners/:runnerId/prompts', async (req, res) => {
    const runner = await requireRunner(deps, req.params.runnerId);
    const q = parseInput(PromptsQuery, req.query, 'query');
    res.json({ prompts: await listPrompts(deps, runner.id, q) });
  });
  const promptOwner = ownedByRunner(
    (req) => promptRunnerId(deps, String(req.params.promptId)),
    (req) => promptNotFound(String(req.params.promptId)),
  );
  router.post('/v1/prompts/:promptId/answer', promptOwner, async (req, res) => {
    const prompt = await requireRunnerPrompt(deps, String(req.params.promptId));
    const r = await recordAnswer(deps, prompt.id, req.body, { via: 'api' });
    res.json({ prompt: promptView(r.prompt), answer: answerValues(r.prompt, await storedAnswer(deps, prompt.id)), late: r.late });
  });
  return router;
}
