import { z } from 'zod';

/** A real calendar date 'YYYY-MM-DD' (2026-02-30 is refused with 422, not a database error). */
export const LocalDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD')
  .refine((v) => {
    const d = new Date(`${v}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
  }, 'not a calendar date');

/** `?runner=ID` of the OAuth connect routes. */
export const ConnectQuery = z.object({ runner: z.string().trim().min(1, 'required').describe('runner id') });
