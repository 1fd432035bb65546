import { Router, type RequestHandler } from 'express';
import type { AppDeps } from '../../deps.js';
import { AppError, NotFoundError } from '../../lib/errors.js';
import { recordAnswer } from '../../services/pain/answers.js';
import { requireRunnerPrompt } from '../../services/prompts/index.js';
import { sessionOf } from '../middleware/session.js';
import { renderHome } from './home.js';

/** Answering an open pain question in place on the home page (the same answers as the answer link). */
export function answerRoutes(deps: AppDeps, page: RequestHandler[]): Router {
  const r = Router();
  r.post('/prompts/:promptId/answer', ...page, async (req, res) => {
    const session = sessionOf(res)!;
    const prompt = await requireRunnerPrompt(deps, String(req.params.promptId));
    // a runner's own questions only; another runner's id reads as unknown
    if (prompt.runnerId !== session.runnerId) throw new NotFoundError(`prompt ${prompt.id} not found`, 'prompt_not_found');
    const { _csrf: _, ...fields } = req.body as Record<string, unknown>;
    // a blank optional field (an empty note) is no answer
    const input = Object.fromEntries(Object.entries(fields).filter(([, v]) => !(typeof v === 'string' && v.trim() === '')));
    try {
      await recordAnswer(deps, prompt.id, input, { via: 'page' });
    } catch (err) {
      if (err instanceof AppError && err.status === 422) {
        const issues = ((err.details as { issues?: { path: string; message: string }[] } | undefined)?.issues ?? []).map(
          (i) => [i.path.split('.').pop()!, i.message] as const,
        );
        return renderHome(
          deps,
          res,
          session,
          undefined,
          { promptId: prompt.id, values: input, errors: Object.fromEntries(issues.length ? issues : [['note', err.message]]) },
          422,
        );
      }
      throw err;
    }
    res.redirect(303, '/?answered=1');
  });
  return r;
}
