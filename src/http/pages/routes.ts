import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import type { OpenApiRegistry } from '../openapi.js';
import { pageAssetRoutes } from './layout.js';

/** The runner's pages and their assets (public part of the app; pages check the session themselves). */
export function pageRoutes(_deps: AppDeps, _docs: OpenApiRegistry): Router {
  const r = Router();
  r.use(pageAssetRoutes());
  return r;
}
