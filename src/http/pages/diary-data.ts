import type { AppDeps } from '../../deps.js';
import { loadDiaryPageRuns } from '../../db/queries/run-pain.js';
import type { Light } from '../../domain/home-summary.js';
import { csvCell } from '../../domain/csv.js';

/** Diary rows for the pages: each counted run with its metrics and pain answers, newest first. */
export interface DiaryRow {
  activityId: string;
  localDate: string;
  source: string;
  externalId: string;
  /** the run's data expired with its source's cache window (numbers gone, the answers stay) */
  expired: boolean;
  name: string | null;
  distanceM: number | null;
  movingTimeS: number | null;
  paceSPerKm: number | null;
  elevationLossM: number | null;
  cadenceSpm: number | null;
  duringRun: number | null;
  settledAfterMin: number | null;
  nextMorning: number | null;
  nextMorningVsYesterday: string | null;
  calfDuring: number | null;
  note: string | null;
  light: Light;
}

export async function loadDiaryRows(
  deps: Pick<AppDeps, 'db'>,
  runnerId: string,
  range: { from?: string; to?: string; activityId?: string },
  limit = 500,
): Promise<DiaryRow[]> {
  const rows = await loadDiaryPageRuns(deps.db, runnerId, range, limit);
  return rows.map(({ a, m, p }) => ({
    activityId: a.id,
    localDate: a.localDate ?? '',
    source: a.source,
    externalId: a.externalId,
    expired: a.expiredAt !== null,
    name: a.name,
    distanceM: m?.distanceM ?? null,
    movingTimeS: m?.movingTimeS ?? null,
    paceSPerKm: m?.avgPaceSPerKm ?? null,
    elevationLossM: m?.elevationLossM ?? null,
    cadenceSpm: m?.runCadenceSpm ?? m?.avgCadenceSpm ?? null,
    duringRun: p?.duringRun ?? null,
    settledAfterMin: p?.settledAfterMin ?? null,
    nextMorning: p?.nextMorning ?? null,
    nextMorningVsYesterday: p?.nextMorningVsYesterday ?? null,
    calfDuring: p?.calfDuring ?? null,
    note: p?.note ?? null,
    light: (p?.light ?? 'grey') as Light,
  }));
}

export const DIARY_CSV_COLUMNS = [
  'date',
  'distance_km',
  'moving_time_min',
  'pace_min_per_km',
  'descent_m',
  'cadence_spm',
  'pain_during_0_10',
  'settled_after_min',
  'next_morning_0_10',
  'next_morning_vs_yesterday',
  'calf_during_0_10',
  'light',
  'note',
  'source',
] as const;

/** The diary as CSV (one row per run, stable columns; cells starting like a formula are neutralised). */
export function diaryCsv(rows: readonly DiaryRow[]): string {
  const lines = [DIARY_CSV_COLUMNS.join(',')];
  for (const r of rows) {
    lines.push(
      [
        r.localDate,
        r.distanceM == null ? null : (r.distanceM / 1000).toFixed(2),
        r.movingTimeS == null ? null : (r.movingTimeS / 60).toFixed(1),
        r.paceSPerKm == null ? null : (r.paceSPerKm / 60).toFixed(2),
        r.elevationLossM == null ? null : Math.round(r.elevationLossM),
        r.cadenceSpm == null ? null : Math.round(r.cadenceSpm),
        r.duringRun,
        r.settledAfterMin,
        r.nextMorning,
        r.nextMorningVsYesterday,
        r.calfDuring,
        r.light,
        r.note,
        r.source,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
