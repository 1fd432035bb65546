import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { updateRunnerSettingsRow } from '../../db/queries/runner-settings.js';
import { isHhMm } from '../../domain/pain/schedule.js';
import { moveSendJobs, planRestMornings, retimePlannedPrompts } from '../prompts/schedule.js';
import { getRunnerView, isValidTimeZone, requireRunner } from '../runners.js';

const HhMm = z.string().trim().refine(isHhMm, 'a 24-hour time like 08:00');

export const RunnerPatchBody = z
  .object({
    name: z.string().trim().min(1, 'required').max(200).optional(),
    timezone: z.string().trim().refine(isValidTimeZone, 'an IANA time zone such as Europe/Oslo').optional().describe('IANA time zone, e.g. Europe/Oslo'),
    email: z.email('an e-mail address').max(320).nullable().optional().describe('where answer links are e-mailed; null removes it'),
    morningPromptTime: HhMm.optional().describe('local time of the next-morning prompt, default 08:00'),
    quietHours: z.object({ start: HhMm, end: HhMm }).strict().optional().describe('no prompts between start and end (local), default 22:00–07:00'),
    restDayCheck: z.boolean().optional().describe('also ask the one-question morning check on rest days'),
  })
  .strict()
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'give at least one setting to change' });
export type RunnerPatchBody = z.infer<typeof RunnerPatchBody>;

/** What the GET runner view shows of the prompt settings (docs/api.md, docs/pain.md). */
export const RunnerPromptSettingsView = {
  email: z.string().nullable().describe('where answer links are e-mailed; null when none'),
  prompts: z.object({
    morningPromptTime: z.string().describe("local 'HH:MM' of the next-morning prompt"),
    quietHours: z.object({ start: z.string(), end: z.string() }).describe('no prompts between start and end (local)'),
    restDayCheck: z.boolean().describe('also ask the one-question morning check on rest days'),
  }),
};

export type SettingsDeps = Pick<AppDeps, 'db' | 'now' | 'enqueue' | 'queues' | 'env' | 'log'>;

/**
 * Change a runner's name, zone, e-mail and prompt settings; returns the runner view. A change of zone,
 * morning time, quiet hours or rest-day check re-times the runner's open prompts in the same
 * transaction (docs/pain.md, Runner settings), and their send jobs move once it is committed.
 */
export async function updateRunnerSettings(deps: SettingsDeps, runnerId: string, patch: RunnerPatchBody) {
  const runner = await requireRunner(deps, runnerId);
  const now = deps.now();
  const timing = patch.timezone !== undefined || patch.morningPromptTime !== undefined || patch.quietHours !== undefined || patch.restDayCheck !== undefined;
  const moved = await deps.db.transaction(async (tx) => {
    const row = await updateRunnerSettingsRow(tx, runner.id, {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.timezone !== undefined ? { timezone: patch.timezone } : {}),
      ...(patch.email !== undefined ? { email: patch.email } : {}),
      ...(patch.morningPromptTime !== undefined ? { morningPromptTime: patch.morningPromptTime } : {}),
      ...(patch.quietHours !== undefined ? { quietStart: patch.quietHours.start, quietEnd: patch.quietHours.end } : {}),
      ...(patch.restDayCheck !== undefined ? { restDayCheck: patch.restDayCheck } : {}),
      updatedAt: now,
    });
    return row && timing ? retimePlannedPrompts(tx, row, now) : null;
  });
  if (moved?.jobs.length) await moveSendJobs(deps, moved.jobs);
  if (patch.restDayCheck === true && !runner.restDayCheck) await planRestMornings(deps, runner.id);
  return getRunnerView(deps, runner.id);
}
