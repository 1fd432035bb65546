import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { cadenceReportCsv } from '../../domain/reports/cadence.js';
import { AppError, NotFoundError } from '../../lib/errors.js';
import { deleteCadenceGoal, getCadenceReport, putCadenceGoal } from '../../services/cadence/index.js';
import { requireRunner } from '../../services/runners.js';
import { ErrorBody, type OpenApiRegistry } from '../openapi.js';
import { pageHeaders } from '../pages/layout.js';
import { LocalDate } from '../schemas.js';
import { parseInput } from '../validate.js';
import { DateRangeQuery, parseDateRange, runnerAndRange } from '../report-query.js';
import { renderCadenceReportPage } from './cadence-page.js';

export const CadenceGoalBody = z
  .object({
    targetPct: z.number().min(5, 'at least 5').max(10, 'at most 10').optional().describe('percent over the baseline, 5–10 (default 5)'),
    targetSpm: z.number().min(130, 'at least 130').max(230, 'at most 230').optional().describe('an explicit target, steps per minute (instead of targetPct)'),
    startDate: LocalDate.describe('first day of the goal; the baseline comes from the 21 days before it'),
    baselineSpm: z
      .number()
      .min(130, 'at least 130')
      .max(230, 'at most 230')
      .optional()
      .describe('a baseline set by a clinician instead of the one computed from runs'),
  })
  .strict();

export const CadenceReportQuery = DateRangeQuery;

const GoalView = z.object({
  id: z.uuid(),
  baselineSpm: z.number().nullable(),
  targetSpm: z.number().nullable(),
  targetPct: z.number().nullable(),
  startDate: z.string(),
  daysActive: z.number(),
  status: z.enum(['collecting_baseline', 'not_started', 'progressing', 'on_target', 'slipping', 'paused']),
  statusLabel: z.string(),
  progressPct: z.number().nullable(),
  currentSpm: z.number().nullable(),
  onTarget: z.boolean(),
  trendSpmPerWeek: z.number().nullable(),
  timeInBandPct: z.number().nullable(),
  runsOnTarget: z.number(),
  runsSinceStart: z.number(),
  baseline: z.record(z.string(), z.unknown()),
  paused: z.object({ activityId: z.string().nullable(), localDate: z.string(), reason: z.enum(['calf', 'morning_worse', 'knee_red']) }).nullable(),
  nextStep: z.object({
    action: z.enum(['collect_baseline', 'hold', 'step_up', 'pause']),
    nextTargetPct: z.number().nullable(),
    nextTargetSpm: z.number().nullable(),
    message: z.string(),
  }),
});

const ReportRun = z.object({
  activityId: z.uuid(),
  localDate: z.string(),
  runCadenceSpm: z.number().nullable(),
  adjustedCadenceSpm: z.number().nullable(),
  speedMps: z.number().nullable(),
  timeInBandPct: z.number().nullable(),
  painLight: z.enum(['green', 'amber', 'red', 'grey']).nullable(),
});

export function cadenceRoutes(deps: AppDeps, docs: OpenApiRegistry): Router {
  const goalPath = '/v1/runners/:runnerId/cadence-goal';
  const reportPath = '/v1/runners/:runnerId/reports/cadence';
  docs.add({
    method: 'put',
    path: goalPath,
    summary: 'Set the cadence goal (the same start date changes the target and keeps the baseline; another start date starts a new goal with a new baseline)',
    tags: ['cadence'],
    auth: true,
    body: CadenceGoalBody,
    responses: {
      200: { description: 'goal updated', schema: GoalView },
      201: { description: 'goal created', schema: GoalView },
      404: { description: 'unknown runner', schema: ErrorBody },
      422: { description: 'invalid body (names the field)', schema: ErrorBody },
    },
  });
  docs.add({
    method: 'get',
    path: goalPath,
    summary: 'The active cadence goal with its status and next step',
    tags: ['cadence'],
    auth: true,
    responses: { 200: { description: 'the goal', schema: GoalView }, 404: { description: 'no runner or no goal', schema: ErrorBody } },
  });
  docs.add({
    method: 'delete',
    path: goalPath,
    summary: 'End the active cadence goal',
    tags: ['cadence'],
    auth: true,
    responses: { 204: { description: 'ended' }, 404: { description: 'no runner or no goal', schema: ErrorBody } },
  });
  docs.add({
    method: 'get',
    path: reportPath,
    summary: 'Cadence report: the goal and one row per run (JSON, or CSV with Accept: text/csv)',
    tags: ['cadence'],
    auth: true,
    query: CadenceReportQuery,
    responses: {
      200: { description: 'the report', schema: z.object({ goal: GoalView.nullable(), runs: z.array(ReportRun) }).loose() },
      406: { description: 'neither JSON nor CSV accepted', schema: ErrorBody },
      422: { description: 'bad from/to', schema: ErrorBody },
    },
  });
  docs.add({
    method: 'get',
    path: `${reportPath}.html`,
    summary: 'Cadence report page with the chart',
    tags: ['cadence'],
    auth: true,
    query: CadenceReportQuery,
    responses: { 200: { description: 'HTML page', contentType: 'text/html' } },
  });

  const router = Router();
  router.put(goalPath, async (req, res) => {
    const runner = await requireRunner(deps, req.params.runnerId);
    const body = parseInput(CadenceGoalBody, req.body);
    const { created } = await putCadenceGoal(deps, runner.id, body);
    const report = await getCadenceReport(deps, runner.id);
    res.status(created ? 201 : 200).json(report.goal);
  });
  router.get(goalPath, async (req, res) => {
    const report = await getCadenceReport(deps, req.params.runnerId);
    if (!report.goal) throw new NotFoundError(`runner ${report.runnerId} has no cadence goal`, 'cadence_goal_not_found');
    res.json(report.goal);
  });
  router.delete(goalPath, async (req, res) => {
    await deleteCadenceGoal(deps, req.params.runnerId);
    res.status(204).end();
  });
  router.get('/v1/runners/:runnerId/reports/cadence.html', pageHeaders(), async (req, res) => {
    const { runner, range } = await runnerAndRange(deps, req);
    const report = await getCadenceReport(deps, runner.id, range);
    res.type('html').send(renderCadenceReportPage(report, { name: runner.name }));
  });
  router.get(reportPath, async (req, res) => {
    const q = parseDateRange(req);
    const kind = req.accepts(['application/json', 'text/csv']);
    if (!kind) throw new AppError(406, 'not_acceptable', 'the cadence report is available as application/json or text/csv');
    const report = await getCadenceReport(deps, req.params.runnerId, q);
    if (kind === 'text/csv') {
      res.type('text/csv; charset=utf-8').setHeader('Content-Disposition', `attachment; filename="cadence-${report.runnerId}-${report.from}-${report.to}.csv"`);
      res.send(cadenceReportCsv(report));
      return;
    }
    res.json(report);
  });
  return router;
}
