import type { ActivityRow, MetricsRow } from '../db/queries/activities.js';
import { expiredNotice, sourceLabel } from '../domain/retention.js';

const round = (v: number | null | undefined, digits = 1): number | null => (v == null || !Number.isFinite(v) ? null : Number(v.toFixed(digits)));

/** The docs/api.md "Activity" shape. */
/** `pain`: the run's pain record and light (see docs/pain.md), when known. */
export function toActivityView(
  a: ActivityRow,
  m: MetricsRow | null,
  pain?: { pain: Record<string, unknown> | null; painLight: 'green' | 'amber' | 'red' | null },
) {
  return {
    id: a.id,
    runnerId: a.runnerId,
    source: a.source,
    /** where the run came from, in words: "from Strava", "from Garmin", "uploaded" */
    sourceLabel: sourceLabel(a.source),
    externalId: a.externalId,
    name: a.name,
    sport: a.sport,
    subSport: a.subSport,
    isRun: a.isRun,
    countedInLoad: a.countedInLoad,
    /** why a ready activity is not counted: noise_short, noise_brief, manual_no_distance, not_a_run, duplicate, expired */
    excludedReason: a.excludedReason ?? null,
    duplicateOf: a.duplicateOf,
    startTime: a.startTime ? a.startTime.toISOString().replace('.000Z', 'Z') : null,
    localDate: a.localDate,
    utcOffsetS: a.utcOffsetS,
    status: a.status,
    error: a.error ?? null,
    /** set when the run's data expired with its source's cache window (docs/platforms.md "Strava's API Policy") */
    expired: a.expiredAt
      ? {
          at: a.expiredAt.toISOString(),
          reason: a.expiredReason ?? 'expired',
          /** the copy that now counts in its place (an archive import, the watch's platform); null: the week lacks this run */
          replacedBy: a.excludedReason === 'expired' ? null : a.duplicateOf,
          notice: a.excludedReason === 'expired' ? expiredNotice(a.source) : null,
        }
      : null,
    metrics: m
      ? {
          distanceM: round(m.distanceM),
          elapsedTimeS: round(m.elapsedTimeS),
          movingTimeS: round(m.movingTimeS),
          avgSpeedMps: round(m.avgSpeedMps, 3),
          avgPaceSPerKm: round(m.avgPaceSPerKm),
          avgCadenceSpm: round(m.avgCadenceSpm),
          runCadenceSpm: round(m.runCadenceSpm),
          cadenceSource: m.cadenceSource,
          cadenceQuality: m.cadenceQuality,
          walkShare: round(m.walkShare, 3),
          steps: m.steps == null ? null : Math.round(m.steps),
          elevationGainM: round(m.elevationGainM),
          elevationLossM: round(m.elevationLossM),
          elevationSource: m.elevationSource,
          elevationMethod: m.elevationMethod,
          descentPerKm: round(m.descentPerKm, 2),
          splits: m.splits.map((x) => ({
            index: x.index,
            distanceM: round(x.distanceM),
            timeS: round(x.timeS),
            paceSPerKm: round(x.paceSPerKm),
            avgCadenceSpm: round(x.avgCadenceSpm),
            elevationGainM: round(x.elevationGainM),
            elevationLossM: round(x.elevationLossM),
          })),
          pace: {
            firstHalfSPerKm: round(m.pace.firstHalfSPerKm),
            secondHalfSPerKm: round(m.pace.secondHalfSPerKm),
            driftPct: round(m.pace.driftPct),
            cvPct: round(m.pace.cvPct),
            surges: m.pace.surges,
          },
          partial: m.partial,
        }
      : null,
    pain: (pain?.pain ?? null) as null | Record<string, unknown>,
    painLight: (pain?.painLight ?? null) as null | 'green' | 'amber' | 'red',
  };
}

export type ActivityView = ReturnType<typeof toActivityView>;
