import type { Run } from '../../src/domain/run.js';
import { StravaActivity, StravaStreams } from '../../src/integrations/strava/types.js';

/**
 * What Strava would serve for a watch run: the activity (distance, times, `total_elevation_gain` as
 * given) and key-by-type streams built from the device's own records (altitude as recorded, cadence
 * per foot as Strava hands it back). Lets the Strava mapping be checked against a device's totals.
 */
export function stravaFromFitRun(run: Run, o: { id?: number; totalElevationGainM: number | null }): { activity: StravaActivity; streams: StravaStreams } {
  const s = run.samples!;
  const list = (a: Float64Array | null, f = 1) => (a ? Array.from(a, (v) => (Number.isFinite(v) ? v * f : null)) : undefined);
  const raw: Record<string, { data: unknown[] }> = {};
  const put = (key: string, data: unknown[] | undefined) => {
    if (data) raw[key] = { data };
  };
  put(
    'time',
    Array.from(s.timeS, (t) => t - s.timeS[0]!),
  );
  put('distance', list(s.distanceM));
  put('altitude', list(s.altitudeM));
  put('cadence', list(s.cadenceSpm, 0.5));
  put('velocity_smooth', list(s.speedMps));
  put('heartrate', list(s.heartRateBpm));
  put('moving', s.moving ? Array.from(s.moving, (m) => m === 1) : s.speedMps ? Array.from(s.speedMps, (v) => v > 0.3) : undefined);
  const activity = StravaActivity.parse({
    id: o.id ?? 1,
    sport_type: 'Run',
    type: 'Run',
    start_date: run.startTime.toISOString(),
    distance: run.summary.distanceM,
    moving_time: run.summary.movingTimeS,
    elapsed_time: run.summary.elapsedTimeS,
    total_elevation_gain: o.totalElevationGainM,
    manual: false,
    trainer: false,
  });
  return { activity, streams: StravaStreams.parse(raw) };
}
