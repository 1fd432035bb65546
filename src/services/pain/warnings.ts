import type { DbOrTx } from '../../db/client.js';
import { loadPainWeekRuns } from '../../db/queries/run-pain.js';
import { addDays, type IsoWeek } from '../../domain/iso-week.js';
import {
  NOT_ALL_GREEN_NOTE,
  painAmberMessage,
  painRedMessage,
  progressionGate,
  readyToProgressMessage,
  seeClinicianMessage,
  type RunnerContext,
} from '../../domain/pain/advice.js';
import { dayLights, greenStreak, weekLight, type Light } from '../../domain/pain/light.js';
import { isCombinable } from '../../domain/retention.js';
import { median } from '../../domain/week.js';

export type PainWarningCode = 'PAIN_RED' | 'PAIN_AMBER' | 'SEE_CLINICIAN' | 'READY_TO_PROGRESS';

export interface PainWarning {
  code: PainWarningCode;
  severity: 'red' | 'amber' | 'info';
  provisional: false;
  weekToDate: boolean;
  runId: string | null;
  message: string;
  evidence: Record<string, number | string | null>;
}

export interface PainWeek {
  /** worst day of the week; null when the week has no run */
  light: Light | null;
  /** consecutive green runs up to the week's end */
  greenStreak: number;
  /** the week has an amber or red run: no progression advice */
  notAllGreen: boolean;
  warnings: PainWarning[];
}

const HISTORY_DAYS = 28;

/**
 * The pain side of one week: its light (worst day), the green streak, and PAIN_RED / PAIN_AMBER per
 * run (with the reductions, naming the runner's own usual descent per km), SEE_CLINICIAN when two
 * runs were red within 7 days, READY_TO_PROGRESS when the 7 days up to the week's end (or today) were
 * all green with at least 3 answered runs.
 */
export async function assessPainWeek(db: DbOrTx, runnerId: string, week: IsoWeek, todayLocalDate: string): Promise<PainWeek> {
  const from = addDays(week.start, -HISTORY_DAYS);
  const rows = await loadPainWeekRuns(db, runnerId, from, week.end);
  // The light is the runner's own answer; a Strava run's numbers are not combined with it (docs/platforms.md, §5.4).
  const runs = rows.map((r) => ({
    ...r,
    localDate: r.localDate!,
    light: (r.light ?? 'grey') as Light,
    descentPerKm: isCombinable(r.source) ? r.descentPerKm : null,
    paceSPerKm: isCombinable(r.source) ? r.paceSPerKm : null,
  }));
  const earlier = runs.filter((r) => r.localDate < week.start);
  const inWeek = runs.filter((r) => r.localDate >= week.start);
  const base: Omit<RunnerContext, 'runDescentPerKm'> = {
    medianDescentPerKm: median(earlier.map((r) => r.descentPerKm).filter((v): v is number => v !== null)),
    usualPaceSPerKm: median(earlier.map((r) => r.paceSPerKm).filter((v): v is number => v !== null)),
  };
  const weekToDate = todayLocalDate <= week.end;
  const warnings: PainWarning[] = [];
  for (const r of inWeek) {
    if (r.light !== 'red' && r.light !== 'amber') continue;
    const ctx = { ...base, runDescentPerKm: r.descentPerKm };
    const reasons = (r.derived?.reasons ?? []).filter((x) => !x.endsWith('_missing'));
    warnings.push({
      code: r.light === 'red' ? 'PAIN_RED' : 'PAIN_AMBER',
      severity: r.light,
      provisional: false,
      weekToDate,
      runId: r.id,
      message: r.light === 'red' ? painRedMessage(ctx, reasons) : painAmberMessage(ctx, reasons),
      evidence: {
        localDate: r.localDate,
        light: r.light,
        reasons: reasons.join(','),
        medianDescentPerKm: base.medianDescentPerKm ?? null,
        runDescentPerKm: r.descentPerKm,
      },
    });
  }
  const gateRuns = runs.map((r) => ({ localDate: r.localDate, light: r.light }));
  const lastDay = todayLocalDate < week.end ? todayLocalDate : week.end;
  for (let d = week.start; d <= lastDay; d = addDays(d, 1)) {
    const gate = progressionGate(gateRuns, d);
    if (gate.seeClinician && inWeek.some((r) => r.localDate === d && r.light === 'red')) {
      warnings.push({
        code: 'SEE_CLINICIAN',
        severity: 'red',
        provisional: false,
        weekToDate,
        runId: inWeek.find((r) => r.localDate === d && r.light === 'red')!.id,
        message: seeClinicianMessage(gate.reds),
        evidence: { redRuns: gate.reds, windowEnd: d },
      });
      break;
    }
  }
  if (lastDay >= week.start) {
    const gate = progressionGate(gateRuns, lastDay);
    if (gate.readyToProgress) {
      warnings.push({
        code: 'READY_TO_PROGRESS',
        severity: 'info',
        provisional: false,
        weekToDate,
        runId: null,
        message: readyToProgressMessage(gate.answered),
        evidence: { answeredRuns: gate.answered, windowEnd: lastDay },
      });
    }
  }
  const days = dayLights(inWeek);
  return {
    light: weekLight([...days.values()]),
    greenStreak: greenStreak(runs.map((r) => r.light)),
    notAllGreen: inWeek.some((r) => r.light === 'red' || r.light === 'amber'),
    warnings,
  };
}

export { NOT_ALL_GREEN_NOTE };
