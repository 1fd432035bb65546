import { Router, type RequestHandler, type Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { AppError, NotFoundError } from '../../lib/errors.js';
import { DiaryBody, putDiaryEntry } from '../../services/pain/diary.js';
import { sessionOf } from '../middleware/session.js';
import { loadDiaryRows, type DiaryRow } from './diary-data.js';
import { day, duration, km } from './fragments.js';
import { html, raw } from './html.js';
import { csrfField, sendPage } from './respond.js';

/** Editing one run's pain answers from the diary (through the pain diary service). */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function scaleSelect(name: string, label: string, value: number | null) {
  return html`<label for="${name}">${label}</label>
<select id="${name}" name="${name}"><option value="">Not answered</option>${Array.from({ length: 11 }, (_, i) => html`<option value="${i}"${value === i ? raw(' selected') : ''}>${i}${i === 0 ? ' (no pain)' : i === 10 ? ' (worst imaginable)' : ''}</option>`)}</select>`;
}

/** The form's strings as the diary service's body: blanks are left out, numbers and yes/no converted. */
export function diaryFormToBody(form: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const str = (k: string) => (typeof form[k] === 'string' ? (form[k] as string).trim() : '');
  for (const k of ['duringRun', 'nextMorning', 'settledAfterMin'] as const) if (str(k) !== '') out[k] = Number(str(k));
  if (str('nextMorningVsYesterday')) out.nextMorningVsYesterday = str('nextMorningVsYesterday');
  if (str('stoppedForKnee') === 'yes' || str('stoppedForKnee') === 'no') out.stoppedForKnee = str('stoppedForKnee') === 'yes';
  if (str('note')) out.note = str('note');
  return out;
}

function renderEdit(res: Response, row: DiaryRow, error?: string, status = 200): void {
  const body = html`<p>${day(row.localDate)} · ${km(row.distanceM)} · ${duration(row.movingTimeS)}</p>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="/diary/${row.activityId}">
${csrfField(res)}
${scaleSelect('duringRun', 'Worst knee pain during the run (0–10)', row.duringRun)}
<label for="settledAfterMin">Minutes until the knee settled after the run</label>
<input type="number" id="settledAfterMin" name="settledAfterMin" min="0" max="10080" step="1" inputmode="numeric" value="${row.settledAfterMin ?? ''}">
${scaleSelect('nextMorning', 'Knee pain on getting up the next morning (0–10)', row.nextMorning)}
<label for="nextMorningVsYesterday">That morning compared with the morning before</label>
<select id="nextMorningVsYesterday" name="nextMorningVsYesterday"><option value="">Not answered</option>${(['better', 'same', 'worse'] as const).map((v) => html`<option value="${v}"${row.nextMorningVsYesterday === v ? raw(' selected') : ''}>${v === 'same' ? 'The same' : v[0]!.toUpperCase() + v.slice(1)}</option>`)}</select>
<label for="note">Note</label>
<textarea id="note" name="note" rows="3" maxlength="2000">${row.note ?? ''}</textarea>
<p><button type="submit">Save</button> <a href="/diary">Cancel</a></p>
</form>`;
  sendPage(res, status, { title: 'Change pain answers', body, current: '/diary' });
}

export function diaryEditRoutes(deps: AppDeps, page: RequestHandler[]): Router {
  const r = Router();
  async function rowOf(res: Response, activityId: string): Promise<DiaryRow> {
    const [row] = UUID.test(activityId) ? await loadDiaryRows(deps, sessionOf(res)!.runnerId, { activityId }, 1) : [];
    if (!row) throw new NotFoundError('That run is not in your diary.', 'activity_not_found');
    return row;
  }
  r.get('/diary/:activityId', ...page, async (req, res) => renderEdit(res, await rowOf(res, String(req.params.activityId))));
  r.post('/diary/:activityId', ...page, async (req, res) => {
    const row = await rowOf(res, String(req.params.activityId));
    const parsed = DiaryBody.safeParse(diaryFormToBody(req.body as Record<string, unknown>));
    if (!parsed.success) return renderEdit(res, row, `Not saved: ${parsed.error.issues[0]?.message ?? 'check the answers'}.`, 422);
    try {
      await putDiaryEntry(deps, sessionOf(res)!.runnerId, row.activityId, parsed.data);
    } catch (err) {
      if (err instanceof AppError && err.status === 422) return renderEdit(res, row, `Not saved: ${err.message}`, 422);
      throw err;
    }
    res.redirect(303, '/diary?saved=1');
  });
  return r;
}
