import { Router, type RequestHandler } from 'express';
import type { AppDeps } from '../../deps.js';
import { localDateOf } from '../../domain/iso-week.js';
import { AppError } from '../../lib/errors.js';
import { getCadenceReport, putCadenceGoal, type CadenceGoalInput } from '../../services/cadence/index.js';
import { sessionOf } from '../middleware/session.js';
import { cadenceChartBlock, cadenceSummary } from './cadence-bridge.js';
import { html, raw } from './html.js';
import { poweredByStrava } from './fragments.js';
import { csrfField, sendPage } from './respond.js';

/** The cadence page: goal summary, the chart with its data table, and the form to set or change the goal. */
export function cadencePageRoutes(deps: AppDeps, page: RequestHandler[]): Router {
  const r = Router();

  async function show(res: Parameters<RequestHandler>[1], opts: { status?: number; error?: string; notice?: string; values?: Record<string, string> } = {}) {
    const s = sessionOf(res)!;
    const report = await getCadenceReport(deps, s.runnerId);
    const today = localDateOf(deps.now(), null, s.runner.timezone);
    const g = report.goal;
    const v = opts.values ?? {};
    const pct = v.targetPct ?? String(g?.targetPct ?? 5);
    const body = html`
${opts.notice ? html`<p class="notice" role="status">${opts.notice}</p>` : ''}
<section aria-labelledby="goal-h"><h2 id="goal-h">Your goal</h2>${cadenceSummary(report)}</section>
<section aria-labelledby="chart-h"><h2 id="chart-h">Step rate per run</h2>${cadenceChartBlock(report)}</section>
<section aria-labelledby="set-h"><h2 id="set-h">${g ? 'Change your goal' : 'Set a cadence goal'}</h2>
<p>A small rise in step rate (5 to 10 % more steps per minute at the same speed) takes load off the kneecap. Start with 5 %.</p>
${opts.error ? html`<p class="error" role="alert">${opts.error}</p>` : ''}
<form method="post" action="/cadence/goal">
${csrfField(res)}
<label for="targetPct">Target rise (percent above your baseline)</label>
<select id="targetPct" name="targetPct">${['5', '6', '7', '7.5', '8', '9', '10'].map((p) => html`<option value="${p}"${p === pct ? raw(' selected') : ''}>+${p} %</option>`)}</select>
<label for="startDate">Start date</label>
<p class="hint" id="start-hint">Your baseline is your usual step rate over the 3 weeks before this date.</p>
<input type="date" id="startDate" name="startDate" required aria-describedby="start-hint" value="${v.startDate ?? g?.startDate ?? today}">
<p><button type="submit">${g ? 'Save the goal' : 'Start the goal'}</button></p>
</form></section>
${poweredByStrava(report.runs.some((x) => x.source === 'strava'))}`;
    sendPage(res, opts.status ?? 200, { title: 'Cadence', body, current: '/cadence' });
  }

  r.get('/cadence', ...page, async (req, res) => show(res, req.query.saved === '1' ? { notice: 'Your cadence goal is saved.' } : {}));
  r.post('/cadence/goal', ...page, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const values = { targetPct: String(body.targetPct ?? ''), startDate: String(body.startDate ?? '') };
    const targetPct = Number(values.targetPct);
    const input: CadenceGoalInput = { startDate: values.startDate, ...(Number.isFinite(targetPct) && values.targetPct !== '' ? { targetPct } : {}) };
    try {
      await putCadenceGoal(deps, sessionOf(res)!.runnerId, input);
    } catch (err) {
      if (err instanceof AppError && err.status === 422)
        return show(res, { status: 422, error: `The goal was not saved: ${err.message.replace(/^body\.\w+: /, '')}`, values });
      throw err;
    }
    res.redirect(303, '/cadence?saved=1');
  });
  return r;
}
