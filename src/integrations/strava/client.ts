import stravaModule, { type RequestOptions, type Strava, type StravaClientInstance } from 'strava-v3';
import { guardJsonText } from '../../lib/safe-json.js';
import type { StravaRateLimits } from './rate-limit.js';
import { STREAM_KEYS, StravaActivity, StravaActivityList, StravaStreams } from './types.js';

/**
 * The only code that calls Strava's REST API. One `strava.client(token, request)` per athlete and
 * job (never the process-wide `strava.config` token); the injected request function uses the
 * configured base URL (STRAVA_API_URL: the host changes in 2027) and records the rate-limit headers
 * of every response — success or error — in Redis before returning.
 */

// strava-v3 is CommonJS with `export default` typings: at runtime the default import is the module
// object itself, which the typings call `Strava`.
const strava = stravaModule as unknown as Strava;

const REQUEST_TIMEOUT_MS = 15_000;

/** A non-2xx answer from Strava (or no answer: status 0). */
export class StravaApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly body: unknown = undefined,
  ) {
    super(message);
    this.name = 'StravaApiError';
  }

  get isRateLimited(): boolean {
    return this.status === 429;
  }

  /** network failures, 5xx and 429 are worth retrying; 4xx are not */
  get isRetryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/** Thrown when the response body does not have the shape stridesync relies on. */
export class StravaShapeError extends Error {
  override name = 'StravaShapeError';
}

export interface StravaRequestDeps {
  apiUrl: string;
  fetch: typeof fetch;
  rateLimits: Pick<StravaRateLimits, 'record'>;
}

/** Strava ids can exceed 2^53: big integers are kept as exact decimal strings. */
function parseBody(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(guardJsonText(text, { bigIntsAsStrings: true, maxDepth: 256 }));
  } catch {
    return text;
  }
}

/**
 * The request function handed to `new strava.client(token, request)`. strava-v3 passes a path
 * relative to the API root (e.g. `activities/1?include_all_efforts=`), the Authorization header and
 * `resolveWithFullResponse`; it expects `{headers, body}` back and non-2xx answers as rejections.
 */
export function createStravaRequest(deps: StravaRequestDeps) {
  const base = deps.apiUrl.endsWith('/') ? deps.apiUrl : `${deps.apiUrl}/`;
  return async (options: RequestOptions): Promise<{ headers: Record<string, string>; body: unknown }> => {
    const url = new URL(options.url.replace(/^\//, ''), base);
    const headers: Record<string, string> = { Accept: 'application/json' };
    for (const [k, v] of Object.entries(options.headers ?? {})) if (typeof v === 'string') headers[k] = v;
    const method = options.method ?? 'GET';
    let body: string | undefined;
    if (options.form && Object.keys(options.form).length > 0) {
      body = new URLSearchParams(Object.entries(options.form).map(([k, v]): [string, string] => [k, String(v)])).toString();
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    } else if (typeof options.body === 'string' && options.body.length > 0 && method !== 'GET') {
      body = options.body;
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    }
    let res: Response;
    try {
      res = await deps.fetch(url, { method, headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (err) {
      throw new StravaApiError(0, `Strava unreachable: ${(err as Error).message}`);
    }
    const resHeaders = Object.fromEntries(res.headers.entries());
    await deps.rateLimits.record(resHeaders);
    const parsed = parseBody(await res.text());
    if (!res.ok) {
      const msg = typeof parsed === 'object' && parsed && 'message' in parsed ? String((parsed as { message: unknown }).message) : res.statusText;
      throw new StravaApiError(res.status, `Strava ${method} ${url.pathname} → ${res.status}: ${msg}`, resHeaders, parsed);
    }
    return { headers: resHeaders, body: parsed };
  };
}

/** The Strava calls stridesync makes, typed and validated. */
export interface StravaApi {
  getActivity(id: string): Promise<StravaActivity>;
  /** `keys=time,distance,altitude,cadence,velocity_smooth,moving,heartrate,latlng&key_by_type=true` */
  getStreams(id: string): Promise<StravaStreams>;
  /** GET /athlete/activities filtered by start time (epoch seconds), one page */
  listActivities(q: { after: number; before?: number; page: number; perPage: number }): Promise<StravaActivity[]>;
  /** GET /athlete: the authenticated athlete (used to check that a token is still honoured) */
  getAthlete(): Promise<{ id: string }>;
}

function parse<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { message: string } } },
  value: unknown,
  what: string,
): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new StravaShapeError(`unexpected ${what} from Strava: ${r.error.message.slice(0, 300)}`);
  return r.data;
}

export function createStravaApi(accessToken: string, deps: StravaRequestDeps): StravaApi {
  const client: StravaClientInstance = new strava.client(accessToken, createStravaRequest(deps));
  return {
    async getActivity(id) {
      return parse(StravaActivity, await client.activities.get({ id }), 'activity');
    },
    async getStreams(id) {
      const raw = await client.streams.activity({ id, keys: [...STREAM_KEYS], key_by_type: true } as Parameters<typeof client.streams.activity>[0]);
      return parse(StravaStreams, raw ?? {}, 'streams');
    },
    async listActivities(q) {
      const args = { after: q.after, page: q.page, per_page: q.perPage, ...(q.before !== undefined ? { before: q.before } : {}) };
      return parse(StravaActivityList, await client.athlete.listActivities(args as Parameters<typeof client.athlete.listActivities>[0]), 'activity list');
    },
    async getAthlete() {
      const raw = (await client.athlete.get({})) as { id?: unknown } | null;
      if (!raw || (typeof raw.id !== 'number' && typeof raw.id !== 'string')) throw new StravaShapeError('unexpected athlete from Strava: no id');
      return { id: String(raw.id) };
    },
  };
}
