import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { activities, runPain } from '../../db/schema/index.js';
import type { Light } from '../../domain/home-summary.js';
import { greenStreak } from '../../domain/pain/light.js';
import type { PageSession } from '../../services/sessions/index.js';
import type { HtmlValue } from './html.js';

/** What the pages read of the pain loop: the light per run, the green streak, pending questions. */

export async function pageLights(deps: Pick<AppDeps, 'db'>, runnerId: string, activityIds: string[]): Promise<Map<string, Light>> {
  if (!activityIds.length) return new Map();
  const rows = await deps.db
    .select({ id: runPain.activityId, light: runPain.light })
    .from(runPain)
    .where(and(eq(runPain.runnerId, runnerId), inArray(runPain.activityId, [...new Set(activityIds)])));
  return new Map(rows.map((r) => [r.id, r.light]));
}

/** Runs in a row, up to the latest, whose light is green; null before any run was answered. */
export async function streakOf(deps: Pick<AppDeps, 'db'>, runnerId: string): Promise<number | null> {
  const rows = await deps.db
    .select({ light: runPain.light })
    .from(runPain)
    .innerJoin(activities, eq(activities.id, runPain.activityId))
    .where(and(eq(runPain.runnerId, runnerId), eq(activities.countedInLoad, true)))
    .orderBy(asc(activities.startTime));
  const lights = rows.map((r) => r.light).filter((l) => l !== 'grey');
  return lights.length ? greenStreak(lights) : null;
}

export async function pendingPromptForms(_deps: AppDeps, _res: Response, _session: PageSession): Promise<HtmlValue> {
  return '';
}
