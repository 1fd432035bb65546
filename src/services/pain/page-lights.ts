import type { Db } from '../../db/client.js';
import { greenStreak, type Light } from '../../domain/pain/light.js';
import { listRunsWithLight } from './lights.js';

/**
 * What the runner's home page shows of the pain loop: the knee light of each counted run (grey when
 * unanswered) and the green streak. One read of the runner's counted runs with their stored light
 * (`listRunsWithLight`), so the pages do not query the pain tables themselves.
 */
export interface PageLights {
  /** light by activity id, for every counted run */
  lights: Map<string, Light>;
  /** runs in a row, up to the latest answered one, whose light is green; null before any run was answered */
  streak: number | null;
}

export async function pageLights(deps: { db: Db }, runnerId: string): Promise<PageLights> {
  const runs = await listRunsWithLight(deps, runnerId);
  const lights = new Map<string, Light>();
  const answered: Light[] = [];
  for (const r of runs) {
    lights.set(r.activityId, r.light ?? 'grey');
    if (r.light) answered.push(r.light);
  }
  return { lights, streak: answered.length ? greenStreak(answered) : null };
}
