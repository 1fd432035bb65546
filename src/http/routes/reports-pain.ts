import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { PAIN_REPORT_VARIABLES } from '../../domain/pain/report.js';
import { getPainReport } from '../../services/pain-report.js';
import { ErrorBody, type OpenApiRegistry } from '../openapi.js';
import { DateRangeQuery, runnerAndRange } from '../report-query.js';

export const PainReportQuery = DateRangeQuery;

const Group = z.object({ n: z.number().int(), median: z.number().nullable() });
const VariableName = z.enum(PAIN_REPORT_VARIABLES.map((v) => v.name) as [string, ...string[]]);

/** The report's JSON (documented in docs/pain-report.md); values are in the units listed there. */
export const PainReportBody = z.object({
  runs: z.number().int(),
  answered: z.number().int(),
  lights: z.object({ green: z.number().int(), amber: z.number().int(), red: z.number().int(), grey: z.number().int() }),
  variables: z.array(
    z.object({
      name: VariableName,
      flareUps: Group,
      green: Group,
      difference: z.number().nullable(),
      pValue: z.number().nullable(),
      verdict: z.enum(['associated', 'no clear link', 'not enough data']),
    }),
  ),
  flareUps: z.array(
    z.object({
      activityId: z.string(),
      /** where the run came from: garmin or upload (Strava-sourced runs are left out) */
      source: z.string().optional(),
      localDate: z.string(),
      light: z.enum(['amber', 'red']),
      standouts: z.array(z.object({ name: VariableName, value: z.number(), usual: z.number(), unit: z.string(), text: z.string() })),
      weekChanges: z.array(z.string()),
    }),
  ),
  /** sources whose runs the report leaves out: their data may not be combined with pain answers (docs/platforms.md) */
  excludedSources: z.array(z.string()),
  /** runs in the range left out for that reason */
  excludedRuns: z.number().int(),
  /** a plain sentence saying what was left out and why; null when nothing was */
  note: z.string().nullable(),
  /** runs of the range the report lacks: their data expired with their source's cache window and nothing replaces them */
  lacking: z.array(z.object({ activityId: z.string(), source: z.string(), localDate: z.string().nullable(), reason: z.string() })),
});

export function painReportRoutes(deps: AppDeps, docs: OpenApiRegistry): Router {
  docs.add({
    method: 'get',
    path: '/v1/runners/:runnerId/reports/pain',
    summary: 'What went together with pain flare-ups: run variables of amber/red vs green runs, and what stood out before each flare-up',
    tags: ['pain'],
    auth: true,
    query: PainReportQuery,
    responses: {
      200: { description: 'the report', schema: PainReportBody },
      404: { description: 'unknown runner', schema: ErrorBody },
      422: { description: 'bad date', schema: ErrorBody },
    },
  });
  const router = Router();
  router.get('/v1/runners/:runnerId/reports/pain', async (req, res) => {
    const { runner, range } = await runnerAndRange(deps, req);
    res.json(await getPainReport(deps, runner.id, range));
  });
  return router;
}
