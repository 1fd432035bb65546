import { StravaApiError, type StravaApi } from '../../integrations/strava/client.js';
import { PermanentJobError } from '../../lib/errors.js';
import { stravaProvider } from '../../integrations/strava/provider.js';
import { openSession, type SessionDeps } from '../connections/session.js';

/**
 * Strava's webhook events are not signed and athlete ids are public, so anyone can post a
 * well-formed `delete` or deauthorization event. Destructive events are therefore confirmed with
 * Strava itself, using the athlete's own token, before anything is removed:
 * - an activity delete is confirmed when `GET /activities/{id}` answers 404, or when Strava refuses
 *   the athlete's token (the athlete withdrew access: their data must go anyway);
 * - a deauthorization is confirmed when an authenticated call (`GET /athlete`) or the token refresh
 *   is refused.
 * A 200 refutes the event: nothing changes. Network errors, 5xx and rate limits throw, so the job is
 * retried (or delayed) rather than deciding on no answer.
 */

export type StravaVerdict = 'exists' | 'not_found' | 'token_refused';

/** Error codes that mean "Strava no longer honours this athlete's grant" (see connections/session.ts and token-store.ts). */
const REFUSED_CODES = new Set(['strava_unauthorized', 'strava_needs_reauth', 'strava_connection_inactive']);

export async function askStrava(deps: SessionDeps, connectionId: string, call: (api: StravaApi) => Promise<unknown>): Promise<StravaVerdict> {
  const session = openSession(deps, stravaProvider, connectionId, 'webhook');
  try {
    await session.call(call);
    return 'exists';
  } catch (err) {
    if (err instanceof StravaApiError && err.status === 404) return 'not_found';
    if (err instanceof PermanentJobError && REFUSED_CODES.has(err.code)) return 'token_refused';
    throw err;
  }
}

/** Does Strava still have this activity for this athlete? */
export function confirmActivityDeleted(deps: SessionDeps, connectionId: string, stravaActivityId: string): Promise<StravaVerdict> {
  return askStrava(deps, connectionId, (api) => api.getActivity(stravaActivityId));
}

/** Does Strava still honour this athlete's grant? */
export function confirmDeauthorized(deps: SessionDeps, connectionId: string): Promise<StravaVerdict> {
  return askStrava(deps, connectionId, (api) => api.getAthlete());
}
