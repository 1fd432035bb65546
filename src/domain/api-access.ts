/**
 * What an API key may do: the one place where a key's scope meets a request. The HTTP layer asks
 * with the key's grant, the request's method and the runner the route addresses; the answer is
 * allow, 403 (the key may never do this) or 404 (another runner's data: answered exactly as an
 * unknown id, so a runner-bound key cannot even learn that the id exists).
 */

export const KEY_SCOPES = ['operator', 'read', 'runner'] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];

export interface KeyGrant {
  scope: KeyScope;
  /** the runner a `runner` key is bound to (null for the other scopes) */
  runnerId: string | null;
  /** a `runner` key may also be read-only; a `read` key always is */
  readOnly: boolean;
}

/**
 * The runner a route addresses: its id (from the path, or the runner owning the resource the path
 * names); `null` when the route is not about one runner (creating runners, for example); `undefined`
 * while not yet known (a route addressed by a resource id alone asks again once it has found the
 * resource's runner), in which case only the method is judged.
 */
export type RouteRunner = string | null | undefined;

export type AccessDecision =
  { allow: true } | { allow: false; status: 403; code: 'read_only_key' | 'runner_key'; message: string } | { allow: false; status: 404 };

const READ_METHODS = new Set(['GET', 'HEAD']);

export function isReadOnly(grant: KeyGrant): boolean {
  return grant.scope === 'read' || grant.readOnly;
}

export function decideAccess(grant: KeyGrant, method: string, routeRunner: RouteRunner): AccessDecision {
  if (grant.scope === 'operator') return { allow: true };
  if (isReadOnly(grant) && !READ_METHODS.has(method.toUpperCase()))
    return { allow: false, status: 403, code: 'read_only_key', message: 'this API key is read-only: only GET and HEAD requests are allowed' };
  if (grant.scope === 'read' || routeRunner === undefined) return { allow: true };
  if (routeRunner === null)
    return { allow: false, status: 403, code: 'runner_key', message: 'this API key is bound to one runner: routes not about a single runner are not allowed' };
  if (!grant.runnerId || routeRunner.toLowerCase() !== grant.runnerId.toLowerCase()) return { allow: false, status: 404 };
  return { allow: true };
}
