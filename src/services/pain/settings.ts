import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { runners } from '../../db/schema/index.js';
import { isHhMm } from '../../domain/pain/schedule.js';
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

/** Change a runner's name, zone, e-mail and prompt settings; returns the runner view. */
export async function updateRunnerSettings(deps: { db: Db; now: () => Date }, runnerId: string, patch: RunnerPatchBody) {
  const runner = await requireRunner(deps, runnerId);
  await deps.db
    .update(runners)
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.timezone !== undefined ? { timezone: patch.timezone } : {}),
      ...(patch.email !== undefined ? { email: patch.email } : {}),
      ...(patch.morningPromptTime !== undefined ? { morningPromptTime: patch.morningPromptTime } : {}),
      ...(patch.quietHours !== undefined ? { quietStart: patch.quietHours.start, quietEnd: patch.quietHours.end } : {}),
      ...(patch.restDayCheck !== undefined ? { restDayCheck: patch.restDayCheck } : {}),
      updatedAt: deps.now(),
    })
    .where(eq(runners.id, runner.id));
  return getRunnerView(deps, runner.id);
}
