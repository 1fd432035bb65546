import { z } from 'zod';

/** A real calendar date 'YYYY-MM-DD' (2026-02-30 is refused with 422, not a database error). */
export const LocalDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD')
  .refine((v) => {
    const d = new Date(`${v}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
  }, 'not a calendar date');

/** `?link=…` of the OAuth connect starts: a signed connect link from POST /v1/runners/:runnerId/connect-links. */
export const ConnectQuery = z.object({ link: z.string().max(1024).optional().describe('signed connect link token') });
