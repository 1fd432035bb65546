import { NotFoundError } from '../lib/errors.js';
import { garminProvider } from './garmin/provider.js';
import type { Provider } from './provider.js';
import { stravaProvider } from './strava/provider.js';

/**
 * Every platform stridesync speaks to, by id. Adding one is one adapter folder and one line here
 * (docs/architecture.md, "Adding a platform"). Generic code (connect, disconnect, the inbox sweep)
 * looks platforms up here instead of switching on their names.
 */
export const BUILT_IN_PROVIDERS: readonly Provider[] = [stravaProvider as Provider, garminProvider as Provider];

export interface ProviderRegistry {
  all(): readonly Provider[];
  find(id: string): Provider | undefined;
  get(id: string): Provider;
}

/** A registry of the built-in platforms plus `extra` ones (deps may carry such a registry; see providersOf). */
export function createRegistry(extra: readonly Provider[] = []): ProviderRegistry {
  const list = [...BUILT_IN_PROVIDERS, ...extra];
  const byId = new Map(list.map((p) => [p.id, p]));
  return {
    all: () => list,
    find: (id) => byId.get(id),
    get(id) {
      const p = byId.get(id);
      if (!p) throw new NotFoundError(`no platform called ${id}`, 'provider_not_found');
      return p;
    },
  };
}

const builtIn = createRegistry();

/** The registry a caller's deps carry, or the built-in one. */
export function providersOf(deps: { providers?: ProviderRegistry | undefined }): ProviderRegistry {
  return deps.providers ?? builtIn;
}
