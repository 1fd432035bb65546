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
