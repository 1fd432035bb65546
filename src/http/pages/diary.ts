import type { Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { addDays, localDateOf } from '../../domain/iso-week.js';
import type { PageSession } from '../../services/sessions/index.js';
import { ValidationError } from '../../lib/errors.js';
import { LocalDate } from '../schemas.js';
import { html } from './html.js';
import { diaryCsv, loadDiaryRows } from './diary-data.js';
import { diaryTable } from './diary-view.js';
import { poweredByStrava } from './fragments.js';
import { sendPage } from './respond.js';

/** One date of the filter: absent or empty → the default; anything but a real calendar date (2026-02-31, "yesterday") → 422. */
function dateParam(query: Request['query'], name: 'from' | 'to', fallback: string): string {
  const v = query[name];
  if (v === undefined || v === '') return fallback;
  if (typeof v === 'string' && LocalDate.safeParse(v).success) return v;
  throw new ValidationError(`The ${name === 'from' ? 'start' : 'end'} date is not a calendar date: please pick one as YYYY-MM-DD.`, undefined, 'invalid_date');
}

/** The date filter of the diary: real YYYY-MM-DD dates only (else 422), default the last 8 weeks. */
export function diaryRange(query: Request['query'], today: string): { from: string; to: string; error?: string } {
  const from = dateParam(query, 'from', addDays(today, -55));
  const to = dateParam(query, 'to', today);
  if (from > to) return { from: to, to: from, error: 'The start date was after the end date, so they were swapped.' };
  return { from, to };
}

export async function renderDiary(deps: AppDeps, req: Request, res: Response, session: PageSession): Promise<void> {
  const today = localDateOf(deps.now(), null, session.runner.timezone);
  const range = diaryRange(req.query, today);
  const rows = await loadDiaryRows(deps, session.runnerId, range);
  const qs = new URLSearchParams({ from: range.from, to: range.to }).toString();
  const body = html`
<form method="get" action="/diary" class="row" aria-label="Choose dates">
<div><label for="from">From</label><input type="date" id="from" name="from" value="${range.from}"></div>
<div><label for="to">To</label><input type="date" id="to" name="to" value="${range.to}"></div>
<div><button type="submit">Show</button></div>
</form>
${req.query.saved === '1' ? html`<p class="notice" role="status">Your pain answers for that run are saved.</p>` : ''}
${range.error ? html`<p class="notice" role="status">${range.error}</p>` : ''}
<p><a href="/diary.csv?${qs}" download>Download these runs as CSV (spreadsheet)</a></p>
${diaryTable(rows, { editable: true, caption: `Runs from ${range.from} to ${range.to}, newest first` })}
${poweredByStrava(rows.some((r) => r.source === 'strava'))}`;
  sendPage(res, 200, { title: 'Diary', body, current: '/diary' });
}

export async function renderDiaryCsv(deps: AppDeps, req: Request, res: Response, session: PageSession): Promise<void> {
  const today = localDateOf(deps.now(), null, session.runner.timezone);
  const range = diaryRange(req.query, today);
  const rows = await loadDiaryRows(deps, session.runnerId, range, 10_000);
  res.status(200).type('text/csv; charset=utf-8').attachment(`stridesync-diary-${range.from}-to-${range.to}.csv`).send(diaryCsv(rows));
}
