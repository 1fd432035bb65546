import type { Express } from 'express';

/**
 * The routes an express app really serves, read from its router stack (including routers mounted
 * without a path, which is how every route file is mounted). Tests walk this table, so a route
 * added later is covered by the authorization and bad-input matrices without anyone listing it.
 */

export interface RouteEntry {
  method: string;
  path: string;
}

interface LayerLike {
  route?: { path: unknown; methods?: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
}

function walk(stack: LayerLike[] | undefined, out: RouteEntry[]): void {
  for (const layer of stack ?? []) {
    if (layer.route && typeof layer.route.path === 'string') {
      for (const [method, on] of Object.entries(layer.route.methods ?? {}))
        if (on && method !== '_all') out.push({ method: method.toUpperCase(), path: layer.route.path });
    } else if (layer.handle?.stack) {
      walk(layer.handle.stack, out);
    }
  }
}

export function listRoutes(app: Express): RouteEntry[] {
  const out: RouteEntry[] = [];
  walk((app as unknown as { router?: { stack?: LayerLike[] } }).router?.stack, out);
  const seen = new Set<string>();
  return out.filter((r) => {
    const key = `${r.method} ${r.path}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Marks a route handler that finds, by itself, the runner owning the resource its path names (a
 * route addressed by a resource id alone, such as `/v1/prompts/:promptId/answer`). The scope check
 * leaves such routes to that handler; any other route without `:runnerId` is closed to runner keys.
 */
export const RESOLVES_RUNNER = Symbol.for('stridesync.resolvesRunner');

export interface RouteMatch {
  route: RouteEntry;
  params: Record<string, string>;
  /** the route's handlers include one marked with RESOLVES_RUNNER */
  resolvesRunner: boolean;
}

interface MatchableRoute extends RouteEntry {
  segments: string[];
  resolvesRunner: boolean;
}

interface RouteLayerLike {
  route?: { path: unknown; methods?: Record<string, boolean>; stack?: Array<{ handle?: unknown }> };
  handle?: { stack?: RouteLayerLike[] };
}

function walkMatchable(stack: RouteLayerLike[] | undefined, out: MatchableRoute[]): void {
  for (const layer of stack ?? []) {
    if (layer.route && typeof layer.route.path === 'string') {
      const path = layer.route.path;
      const resolvesRunner = (layer.route.stack ?? []).some((l) => typeof l.handle === 'function' && RESOLVES_RUNNER in l.handle);
      for (const [method, on] of Object.entries(layer.route.methods ?? {}))
        if (on && method !== '_all') out.push({ method: method.toUpperCase(), path, segments: path.split('/'), resolvesRunner });
    } else if (layer.handle?.stack) {
      walkMatchable(layer.handle.stack, out);
    }
  }
}

/**
 * The route of a router that a request reaches, as express would pick it (the first route, in
 * registration order, whose method and path match; HEAD reaches GET routes; literal segments
 * ignore case and one trailing slash is allowed), with its path parameters decoded. Only plain
 * `/literal/:param` paths are matched: a route using any other path syntax is never matched, so a
 * caller that refuses unmatched requests stays on the safe side.
 */
export function routeMatcher(router: { stack?: unknown }): (method: string, path: string) => RouteMatch | null {
  let routes: MatchableRoute[] | undefined;
  return (method, path) => {
    // read on first use, when every route file has been mounted
    routes ??= (() => {
      const out: MatchableRoute[] = [];
      walkMatchable(router.stack as RouteLayerLike[] | undefined, out);
      return out;
    })();
    const m = method.toUpperCase();
    const segments = (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path).split('/');
    for (const r of routes) {
      if (r.method !== m && !(m === 'HEAD' && r.method === 'GET')) continue;
      const params = matchSegments(r.segments, segments);
      if (params) return { route: { method: r.method, path: r.path }, params, resolvesRunner: r.resolvesRunner };
    }
    return null;
  };
}

function matchSegments(pattern: string[], segments: string[]): Record<string, string> | null {
  if (pattern.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const s = segments[i]!;
    if (p.startsWith(':')) {
      const name = p.slice(1);
      if (!/^\w+$/.test(name) || s === '') return null;
      try {
        params[name] = decodeURIComponent(s);
      } catch {
        return null;
      }
    } else if (/[:*?{}()]/.test(p) || p.toLowerCase() !== s.toLowerCase()) {
      return null;
    }
  }
  return params;
}
