import { z } from 'zod';

/**
 * The parts of Strava's JSON that stridesync reads (docs/platforms.md). Objects are
 * stripped to these fields, so what is stored as `activities.raw` is exactly what `to-run` uses and
 * nothing the athlete did not need to share (embed tokens, photos, segment efforts).
 */

/** Strava ids exceed 2^31; kept as digit strings everywhere past this edge (manifest "ids"). */
const StravaId = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).transform((v) => String(v));

export const RUN_SPORT_TYPES = ['Run', 'TrailRun', 'VirtualRun'] as const;

/** GET /activities/{id} (DetailedActivity) and the items of GET /athlete/activities (SummaryActivity). */
export const StravaActivity = z.object({
  id: StravaId,
  name: z.string().nullish(),
  /** `type` is deprecated since 2022 but still sent; `sport_type` wins when present */
  type: z.string().nullish(),
  sport_type: z.string().nullish(),
  workout_type: z.number().int().nullish(),
  start_date: z.string(),
  /** local wall time with a fake "Z" suffix */
  start_date_local: z.string().nullish(),
  timezone: z.string().nullish(),
  distance: z.number().nullish(),
  moving_time: z.number().nullish(),
  elapsed_time: z.number().nullish(),
  total_elevation_gain: z.number().nullish(),
  elev_high: z.number().nullish(),
  elev_low: z.number().nullish(),
  average_speed: z.number().nullish(),
  max_speed: z.number().nullish(),
  /** per-leg (strides/min) for runs: steps/min = 2 × value (docs/metrics.md "Cadence normalisation") */
  average_cadence: z.number().nullish(),
  average_heartrate: z.number().nullish(),
  has_heartrate: z.boolean().nullish(),
  manual: z.boolean().nullish(),
  trainer: z.boolean().nullish(),
  private: z.boolean().nullish(),
  visibility: z.string().nullish(),
  device_name: z.string().nullish(),
  external_id: z.string().nullish(),
  gear_id: z.string().nullish(),
  athlete: z.object({ id: StravaId }).nullish(),
});
export type StravaActivity = z.infer<typeof StravaActivity>;

export const StravaActivityList = z.array(StravaActivity);

const StreamBody = z.object({
  data: z.array(z.unknown()),
  series_type: z.string().nullish(),
  original_size: z.number().nullish(),
  resolution: z.string().nullish(),
});

export const STREAM_KEYS = ['time', 'distance', 'altitude', 'cadence', 'velocity_smooth', 'moving', 'heartrate', 'latlng'] as const;
export type StreamKey = (typeof STREAM_KEYS)[number];

/**
 * GET /activities/{id}/streams: keyed by type with `key_by_type=true`, a list of `{type, data}`
 * otherwise (both forms are accepted and normalised to the keyed one). Missing sensors are absent
 * keys; every stream has the same length.
 */
export const StravaStreams = z
  .union([z.record(z.string(), StreamBody), z.array(StreamBody.extend({ type: z.string() }))])
  .transform((v): Record<string, { data: unknown[] }> => {
    const entries = Array.isArray(v) ? v.map((s) => [s.type, s] as const) : Object.entries(v);
    return Object.fromEntries(entries.filter(([k]) => (STREAM_KEYS as readonly string[]).includes(k)).map(([k, s]) => [k, { data: s.data }]));
  });
export type StravaStreams = Partial<Record<StreamKey, { data: unknown[] }>>;

/** True when Strava has produced the time stream (it can be empty for minutes after `create`). */
export function hasStreamData(streams: StravaStreams | null | undefined): boolean {
  return Boolean(streams?.time && streams.time.data.length > 0);
}

/** POST /oauth/token (authorization_code and refresh_token grants). */
export const StravaTokenResponse = z.object({
  token_type: z.string().optional(),
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  /** epoch seconds */
  expires_at: z.number().int().positive(),
  expires_in: z.number().int().optional(),
  /** only on the code exchange */
  athlete: z.object({ id: StravaId }).optional(),
});
export type StravaTokenResponse = z.infer<typeof StravaTokenResponse>;

/** What `activities.raw` holds for a Strava activity: the stripped detail and, for runs, the streams. */
export interface StravaRawPayload {
  activity: StravaActivity;
  streams: StravaStreams | null;
  /** ok: streams present; empty: none after the retries (summary used); skipped: not fetched (non-run, manual) */
  streamsStatus: 'ok' | 'empty' | 'skipped' | 'pending';
}

/** Strava's run types (docs/metrics.md "Which activities count"): Run, TrailRun, VirtualRun. */
export function isRunSportType(sportType: string | null | undefined): boolean {
  return (RUN_SPORT_TYPES as readonly string[]).includes(sportType ?? '');
}

/** sport_type, falling back to the deprecated type. */
export function sportTypeOf(a: Pick<StravaActivity, 'sport_type' | 'type'>): string {
  return a.sport_type ?? a.type ?? 'Workout';
}
