import type { Request, RequestHandler } from 'express';
import { decideAccess, type RouteRunner } from '../../domain/api-access.js';
import { ForbiddenError, NotFoundError, type AppError } from '../../lib/errors.js';
import { RESOLVES_RUNNER, routeMatcher } from '../route-table.js';
import { apiKeyOf } from './auth.js';

/**
 * The scope check of every /v1 request, after the key is known and before the body is read. It
 * finds the route the request reaches in `router` (the /v1 router) and asks `decideAccess` with the
 * route's `:runnerId`; a route without one is judged by its method only when it resolves its own
 * runner (see `ownedByRunner`), and is not about one runner otherwise. A runner-bound key whose
 * request reaches no route at all is answered `route_not_found` here, so nothing it sends is served
 * by a route the check did not see.
 */
export function enforceKeyScope(router: { stack?: unknown }): RequestHandler {
  const match = routeMatcher(router);
  return (req, res, next) => {
    const grant = apiKeyOf(res);
    if (!grant) return next(new ForbiddenError('no API key identified for this request'));
    if (grant.scope === 'operator') return next();
    // the path express routes by (parsed the same way, absolute-form request targets included)
    const path = req.baseUrl + req.path;
    const found = match(req.method, path);
    if (!found && grant.scope === 'runner') return next(new NotFoundError(`no route for ${req.method} ${path}`, 'route_not_found'));
    let routeRunner: RouteRunner = undefined;
    if (found) routeRunner = found.params.runnerId !== undefined ? found.params.runnerId : found.resolvesRunner ? undefined : null;
    const decision = decideAccess(grant, req.method, routeRunner);
    if (decision.allow) return next();
    next(refusal(decision, found?.params.runnerId));
  };
}

function refusal(decision: Exclude<ReturnType<typeof decideAccess>, { allow: true }>, runnerId: string | undefined): AppError {
  // another runner's id: the same answer as for an unknown runner
  if (decision.status === 404) return new NotFoundError(`runner ${runnerId ?? ''} not found`, 'runner_not_found');
  return new ForbiddenError(decision.message, decision.code);
}

/**
 * For a route addressed by a resource id alone: finds the runner owning the resource (`undefined`
 * when there is no such resource: the handler then answers its own 404) and refuses a runner-bound
 * key of another runner with `notFound(req)`, the very error the handler gives for an unknown id.
 */
export function ownedByRunner(resolve: (req: Request) => Promise<string | undefined>, notFound: (req: Request) => AppError): RequestHandler {
  const handler: RequestHandler = async (req, res, next) => {
    const grant = apiKeyOf(res);
    if (!grant) return next(new ForbiddenError('no API key identified for this request'));
    if (grant.scope === 'operator') return next();
    const runnerId = await resolve(req);
    if (runnerId === undefined) return next();
    const decision = decideAccess(grant, req.method, runnerId);
    if (decision.allow) return next();
    next(decision.status === 404 ? notFound(req) : new ForbiddenError(decision.message, decision.code));
  };
  return Object.assign(handler, { [RESOLVES_RUNNER]: true });
}
