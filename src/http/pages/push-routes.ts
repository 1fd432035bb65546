import { Router, type RequestHandler } from 'express';
import type { AppDeps } from '../../deps.js';

/** Web Push: manifest, service worker, opt-in script, subscription routes. */
export function pushRoutes(_deps: AppDeps): { assets: Router; api: (page: RequestHandler[]) => Router } {
  return { assets: Router(), api: () => Router() };
}
