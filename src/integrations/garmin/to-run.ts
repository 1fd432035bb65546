import { z } from 'zod';
import type { Run } from '../../domain/run.js';

/**
 * Pure mapping of a Garmin activity summary (Health/Activity API push or pull body) into the canonical
 * Run, summary values only. Garmin's summary is the one source that gives elevation *loss* directly
 * (`totalElevationLossInMeters`, from the device's barometer), so when both totals are present they are
 * used as device totals (docs/ingestion.md "Elevation"). Activity *files* go through the FIT decoder.
 */

export const GarminActivitySummary = z.object({
  summaryId: z.string(),
  activityId: z.union([z.number(), z.string()]).nullish(),
  activityType: z.string().nullish(),
  activityName: z.string().nullish(),
  startTimeInSeconds: z.number(),
  startTimeOffsetInSeconds: z.number().nullish(),
  durationInSeconds: z.number().nullish(),
  distanceInMeters: z.number().nullish(),
  averageSpeedInMetersPerSecond: z.number().nullish(),
  averageRunCadenceInStepsPerMinute: z.number().nullish(),
  totalElevationGainInMeters: z.number().nullish(),
  totalElevationLossInMeters: z.number().nullish(),
  manual: z.boolean().nullish(),
});
export type GarminActivitySummary = z.infer<typeof GarminActivitySummary>;

const RUN_TYPES = new Set([
  'RUNNING',
  'INDOOR_RUNNING',
  'TREADMILL_RUNNING',
  'TRAIL_RUNNING',
  'TRACK_RUNNING',
  'STREET_RUNNING',
  'VIRTUAL_RUN',
  'ULTRA_RUN',
  'OBSTACLE_RUN',
]);
const INDOOR_TYPES = new Set(['INDOOR_RUNNING', 'TREADMILL_RUNNING', 'VIRTUAL_RUN']);
/** A "steps per minute" value below this for a run is really per leg (Garmin's own example shows 84). */
const PER_LEG_BELOW = 115;
const MAX_OFFSET_S = 14 * 3600;

const num = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function garminSummaryToRun(s: GarminActivitySummary): Run {
  const type = (s.activityType ?? 'OTHER').toUpperCase();
  const isRun = RUN_TYPES.has(type);
  const isIndoor = INDOOR_TYPES.has(type);
  const rawCadence = isRun ? num(s.averageRunCadenceInStepsPerMinute) : null;
  const cadence = rawCadence !== null && rawCadence > 0 ? (rawCadence < PER_LEG_BELOW ? rawCadence * 2 : rawCadence) : null;
  const gain = num(s.totalElevationGainInMeters);
  const loss = num(s.totalElevationLossInMeters);
  const offset = num(s.startTimeOffsetInSeconds);
  return {
    sport: type.toLowerCase().replace(/_running$|_run$/, '') === type.toLowerCase() ? type.toLowerCase() : 'running',
    subSport: isRun && type !== 'RUNNING' ? type.toLowerCase().replace(/_?running$|_run$/, '') || null : null,
    isRun,
    isIndoor,
    manual: s.manual === true,
    startTime: new Date(s.startTimeInSeconds * 1000),
    utcOffsetS: offset !== null && Math.abs(offset) <= MAX_OFFSET_S ? offset : null,
    summary: {
      distanceM: num(s.distanceInMeters),
      elapsedTimeS: num(s.durationInSeconds),
      movingTimeS: num(s.durationInSeconds),
      avgCadenceSpm: cadence,
      avgCadenceSource: cadence !== null ? 'garmin-summary' : 'none',
      totalAscentM: gain,
      totalDescentM: loss,
      // the device's own totals: used as given when the loss is present
      elevationFromDevice: loss !== null && gain !== null,
      avgSpeedMps: num(s.averageSpeedInMetersPerSecond),
    },
    samples: null,
    notes: [],
    partial: false,
  };
}
