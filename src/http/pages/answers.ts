import { Router, type RequestHandler } from 'express';
import type { AppDeps } from '../../deps.js';

/** Answering pending pain questions in place from the home page, and editing a run's pain answers from the diary. */
export function answerRoutes(_deps: AppDeps, _page: RequestHandler[]): Router {
  const r = Router();
  return r;
}
