import type { Request } from 'express';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { requireRunner } from '../services/runners.js';
import { LocalDate } from './schemas.js';
import { parseInput } from './validate.js';

/** `?from&to` of the runner reports (pain, cadence): optional calendar dates YYYY-MM-DD. */
export const DateRangeQuery = z.object({ from: LocalDate.optional(), to: LocalDate.optional() });
export type DateRange = z.infer<typeof DateRangeQuery>;

/** The request's `?from&to`; a bad date is a 422 naming `query.from` or `query.to`. */
export function parseDateRange(req: Request): DateRange {
  return parseInput(DateRangeQuery, req.query, 'query');
}

/** The runner of `:runnerId` (404 first when unknown) and the request's `?from&to` (then 422 on a bad date). */
export async function runnerAndRange(deps: { db: Db }, req: Request) {
  const runner = await requireRunner(deps, String(req.params.runnerId));
  return { runner, range: parseDateRange(req) };
}
