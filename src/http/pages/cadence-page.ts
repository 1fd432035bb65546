import { Router, type RequestHandler } from 'express';
import type { AppDeps } from '../../deps.js';

/** The cadence page: chart, report and the goal form. */
export function cadencePageRoutes(_deps: AppDeps, _page: RequestHandler[]): Router {
  const r = Router();
  return r;
}
