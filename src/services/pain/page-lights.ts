import type { Db } from '../../db/client.js';
import { addDays } from '../../domain/iso-week.js';
import { greenStreak, type Light } from '../../domain/pain/light.js';
import { listRunsWithLight, type RunWithLight } from './lights.js';

/**
 * What the runner's home page shows of the pain loop: the knee light of its runs (grey when
 * unanswered) and the green streak, read through `listRunsWithLight` so the pages do not query the
 * pain tables themselves.
 */
export interface PageLights {
  /** light by activity id (counted runs); a run missing here is grey */
  lights: Map<string, Light>;
  /** runs in a row, up to the latest answered one, whose light is green; null before any run was answered */
  streak: number | null;
}

/** Most streaks end within this many days; only a longer green streak (or an older run asked for) reads the whole history. */
const RECENT_DAYS = 90;

function summarise(runs: readonly RunWithLight[]): PageLights & { settled: boolean } {
  const lights = new Map<string, Light>();
  const answered: Light[] = [];
  for (const r of runs) {
    lights.set(r.activityId, r.light ?? 'grey');
    if (r.light) answered.push(r.light);
  }
  const streak = answered.length ? greenStreak(answered) : null;
  // the streak is known once a non-green answered run lies inside what was read
  return { lights, streak, settled: streak !== null && streak < answered.length };
}

/**
 * Lights of the runner's runs up to `today` and the green streak. Reads the last 90 days; reads the whole
 * history only when the streak reaches further back or the page needs a run older than that (`oldestNeeded`).
 */
export async function pageLights(deps: { db: Db }, runnerId: string, today: string, oldestNeeded?: string | null): Promise<PageLights> {
  const from = addDays(today, -RECENT_DAYS);
  const recent = summarise(await listRunsWithLight(deps, runnerId, { from, to: today }));
  if (recent.settled && (!oldestNeeded || oldestNeeded >= from)) return { lights: recent.lights, streak: recent.streak };
  const all = summarise(await listRunsWithLight(deps, runnerId, { to: today }));
  return { lights: all.lights, streak: all.streak };
}
