import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { DiaryBody, diaryCsv, getDiary, putDiaryEntry, requireDiaryActivity } from '../../services/pain/diary.js';
import { requireRunner } from '../../services/runners.js';
import { ErrorBody, type OpenApiRegistry } from '../openapi.js';
import { LocalDate } from '../schemas.js';
import { parseInput } from '../validate.js';

const DiaryQuery = z.object({ from: LocalDate.optional(), to: LocalDate.optional() });

const n = z.number().nullable();
/** One diary row (docs/pain.md, Diary); the CSV has the same columns in this order. */
const DiaryRowView = z.object({
  localDate: z.string(),
  startTime: z.string().nullable(),
  name: z.string().nullable(),
  distanceM: n,
  movingTimeS: n,
  avgPaceSPerKm: n,
  elevationLossM: n,
  cadenceSpm: n,
  painDuring: n,
  settleMinutes: n,
  nextMorning: n,
  nextMorningChange: n,
  nextMorningVsYesterday: z.enum(['better', 'same', 'worse']).nullable(),
  light: z.enum(['green', 'amber', 'red']).nullable().describe('null while grey (unanswered)'),
  warnings: z.array(z.string()).describe('codes of the warnings that named the run'),
  note: z.string().nullable(),
  late: z.boolean(),
  activityId: z.uuid(),
});
const DiaryView = z.object({ runnerId: z.uuid(), rows: z.array(DiaryRowView) });

export function diaryRoutes(deps: AppDeps, docs: OpenApiRegistry): Router {
  docs.add({
    method: 'put',
    path: '/v1/runners/:runnerId/activities/:activityId/pain',
    summary: "Record or correct a run's pain (diary); entries after the prompt window are marked late",
    tags: ['pain'],
    auth: true,
    body: DiaryBody,
    responses: {
      200: { description: 'the run pain and light' },
      404: { description: 'unknown runner or activity', schema: ErrorBody },
      422: { description: 'invalid field', schema: ErrorBody },
    },
  });
  docs.add({
    method: 'get',
    path: '/v1/runners/:runnerId/diary',
    summary: 'The diary: one row per run (JSON, or CSV with Accept: text/csv)',
    tags: ['pain'],
    auth: true,
    query: DiaryQuery,
    responses: { 200: { description: 'one row per counted run, oldest first', schema: DiaryView }, 404: { description: 'unknown runner', schema: ErrorBody } },
  });
  const router = Router();
  router.put('/v1/runners/:runnerId/activities/:activityId/pain', async (req, res) => {
    const runner = await requireRunner(deps, req.params.runnerId);
    // another runner's or an unknown activity is a 404 before the body is looked at
    await requireDiaryActivity(deps, runner.id, req.params.activityId);
    const body = parseInput(DiaryBody, req.body);
    res.json(await putDiaryEntry(deps, runner.id, req.params.activityId, body));
  });
  router.get('/v1/runners/:runnerId/diary', async (req, res) => {
    const runner = await requireRunner(deps, req.params.runnerId);
    const q = parseInput(DiaryQuery, req.query, 'query');
    const rows = await getDiary(deps, runner.id, q);
    if (req.accepts(['application/json', 'text/csv']) === 'text/csv') {
      res.type('text/csv; charset=utf-8').set('Content-Disposition', `attachment; filename="diary-${runner.id}.csv"`).send(diaryCsv(rows));
      return;
    }
    res.json({ runnerId: runner.id, rows });
  });
  return router;
}
