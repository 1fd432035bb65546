import { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { findRunner } from '../../db/queries/runners.js';
import type { painPrompts } from '../../db/schema/index.js';
import { addDays } from '../../domain/iso-week.js';
import { formatDay } from '../../domain/messages.js';
import { AppError, ValidationError } from '../../lib/errors.js';
import { askCalfFor, EDIT_WINDOW_MS, promptWindow, recordAnswer } from '../../services/pain/answers.js';
import { answerValues, findPromptByToken } from '../../services/prompts/index.js';
import { questionsFor, type Question } from '../../services/prompts/questions.js';
import { html, raw, type SafeHtml } from '../pages/html.js';
import { pageHeaders, renderPage } from '../pages/layout.js';
import { formBody } from '../middleware/form-body.js';
import { rateLimit } from '../middleware/rate-limit.js';
import type { OpenApiRegistry } from '../openapi.js';

type PromptRow = typeof painPrompts.$inferSelect;

/** Styles of the 0–10 scales (served same-origin, so the page's strict CSP holds). */
export const ANSWER_CSS = `
.scale-options{display:grid;grid-template-columns:repeat(6,1fr);gap:.4rem;margin:.25rem 0}
@media (min-width:36rem){.scale-options{grid-template-columns:repeat(11,1fr)}}
.scale-opt{display:flex;align-items:center;justify-content:center;min-height:48px;border:2px solid #767f88;border-radius:.5rem;margin:0;font-weight:600;cursor:pointer;position:relative}
.scale-opt input{position:absolute;opacity:0;width:100%;height:100%;margin:0;cursor:pointer}
.scale-opt:has(input:checked){background:#1d4f91;border-color:#1d4f91;color:#fff}
.scale-opt:has(input:focus-visible){outline:3px solid #f2b705;outline-offset:2px}
.scale-anchors{display:flex;justify-content:space-between;font-size:.9rem;color:#4a535c;margin:.25rem 0 0}
.choice-opt{display:flex;align-items:center;min-height:48px;border:2px solid #767f88;border-radius:.5rem;padding:0 .75rem;margin:.4rem 0;font-weight:600}
.choice-opt:has(input:checked){border-color:#1d4f91;background:#e8eef7}
.field-error{color:#a4161a;font-weight:600;margin:.25rem 0}
.recorded dt{font-weight:600;margin-top:.5rem}
.recorded dd{margin:0}
`;

const LABELS: Record<string, string> = { yes: 'Yes', no: 'No', not_yet: 'Not yet', better: 'Better', same: 'The same', worse: 'Worse' };

function valueOf(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (v === true) return 'yes';
  if (v === false) return 'no';
  return v === undefined || v === null ? '' : String(v);
}

function questionField(q: Question, values: Record<string, unknown>, error: string | undefined): SafeHtml {
  const current = valueOf(values, q.name);
  const errId = `err-${q.name}`;
  const describedBy = error ? raw(` aria-describedby="${errId}"`) : '';
  const err = error ? html`<p class="field-error" id="${errId}">${error}</p>` : '';
  const req = q.required ? raw(' required') : '';
  if (q.type === 'scale') {
    const anchorsId = `anchors-${q.name}`;
    return html`<fieldset class="scale"${describedBy}><legend>${q.text}</legend>${err}
<div class="scale-options" role="presentation">${Array.from({ length: 11 }, (_, i) => html`<label class="scale-opt"><input type="radio" name="${q.name}" value="${i}" aria-describedby="${anchorsId}"${current === String(i) ? raw(' checked') : ''}${req}><span>${i}</span></label>`)}</div>
<p class="scale-anchors" id="${anchorsId}"><span>0 no pain</span><span>10 worst imaginable</span></p></fieldset>`;
  }
  const options =
    q.type === 'yesno'
      ? [
          { value: 'yes', label: 'Yes' },
          { value: 'no', label: 'No' },
        ]
      : (q.options ?? []);
  return html`<fieldset${describedBy}><legend>${q.text}</legend>${err}
${options.map((o) => html`<label class="choice-opt"><input type="radio" name="${q.name}" value="${o.value}"${current === o.value ? raw(' checked') : ''}${req}> ${o.label}</label>`)}</fieldset>`;
}

export interface AnswerFormOptions {
  /** where the form posts */
  action: string;
  /** extra hidden inputs (e.g. a CSRF token on the runner's own pages) */
  hiddenFields?: Record<string, string>;
  /** values to show selected (a stored answer, or the rejected input) */
  values?: Record<string, unknown>;
  /** messages per field name */
  errors?: Record<string, string>;
  askCalf: boolean;
  submitLabel?: string;
}

/** The answer form of one prompt as an HTML fragment (the answer page, or embedded on the runner's home page). */
export function renderAnswerForm(prompt: Pick<PromptRow, 'id' | 'kind'>, o: AnswerFormOptions): SafeHtml {
  const values = o.values ?? {};
  const questions = questionsFor(prompt.kind, { askCalf: o.askCalf });
  const note = valueOf(values, 'note');
  return html`<form method="post" action="${o.action}" class="answer-form" novalidate>
${Object.entries(o.hiddenFields ?? {}).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}
${questions.map((q) => questionField(q, values, o.errors?.[q.name]))}
<label for="note-${prompt.id}">Anything else? (optional)</label>
<textarea id="note-${prompt.id}" name="note" rows="2" maxlength="2000">${note}</textarea>
${o.errors?.note ? html`<p class="field-error">${o.errors.note}</p>` : ''}
<p><button type="submit">${o.submitLabel ?? 'Save my answers'}</button></p>
</form>`;
}

function recordedList(prompt: PromptRow, values: Record<string, string | number | boolean>, askCalf: boolean): SafeHtml {
  const rows = questionsFor(prompt.kind, { askCalf })
    .filter((q) => values[q.name] !== undefined)
    .map((q) => {
      const v = values[q.name]!;
      const shown = typeof v === 'boolean' ? (v ? 'Yes' : 'No') : typeof v === 'number' ? `${v} / 10` : (LABELS[v] ?? v);
      return html`<dt>${q.text}</dt><dd>${shown}</dd>`;
    });
  return html`<dl class="recorded">${rows}${values.note ? html`<dt>Note</dt><dd>${String(values.note)}</dd>` : ''}</dl>`;
}

function titleOf(p: PromptRow): string {
  switch (p.kind) {
    case 'after_run':
      return p.localDate ? `Your knee after the run on ${formatDay(p.localDate)}` : 'Your knee after the run';
    case 'settle_check':
      return 'Has your knee settled?';
    case 'next_morning':
      return p.localDate ? `Your knee this morning (${formatDay(p.localDate)})` : 'Your knee this morning';
    case 'rest_morning':
      return 'Your knee this morning';
  }
}

function until(d: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' }).format(d);
}

function sendPage(res: Response, status: number, title: string, body: SafeHtml | string): void {
  res
    .status(status)
    .type('html')
    .send(renderPage({ title, body, head: raw('<link rel="stylesheet" href="/assets/answer.css"><meta name="robots" content="noindex">') }));
}

function notFoundPage(res: Response): void {
  sendPage(
    res,
    404,
    'Link not found',
    html`<p>This answer link is not valid. It may have been mistyped or shortened by your mail app.</p><p>Open the link from the latest message again, or record your knee in the diary.</p>`,
  );
}

function closedPage(res: Response, reason: 'cancelled' | 'closed' | undefined): void {
  sendPage(
    res,
    410,
    'This question has closed',
    reason === 'cancelled'
      ? html`<p>This question was withdrawn: its run was deleted or no longer counts as a run.</p>`
      : html`<p>The time to answer or change this question has passed. You can still record how your knee was in the diary.</p>`,
  );
}

/**
 * The runner's answer page for one prompt: no login (the link's token is the key), no cookies,
 * `Cache-Control: no-store`, a strict CSP, works with JavaScript off. After saving it shows what was
 * recorded and lets the runner change it until the prompt closes plus 24 hours.
 */
export function answerPageRoutes(deps: AppDeps, _docs: OpenApiRegistry): Router {
  const router = Router();
  const form = formBody({ limit: '16kb', parameterLimit: 30 });
  router.get('/assets/answer.css', (_req, res) => {
    res.type('text/css').set('Cache-Control', 'public, max-age=86400').send(ANSWER_CSS);
  });
  const headers = pageHeaders({ noStore: true, noIndex: true });
  const noReferrer = (_req: Request, res: Response, next: () => void) => {
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  };

  async function show(req: Request, res: Response, extra: { values?: Record<string, unknown>; errors?: Record<string, string>; status?: number } = {}) {
    const token = String(req.params.token);
    const found = await findPromptByToken(deps, token);
    if (!found) return notFoundPage(res);
    const { prompt, answer } = found;
    const now = deps.now();
    const window = promptWindow(prompt, now);
    if (!window.open) return closedPage(res, window.reason);
    const runner = await findRunner(deps.db, prompt.runnerId);
    const tz = runner?.timezone ?? 'UTC';
    const askCalf = await askCalfFor(deps, prompt);
    const stored = answerValues(prompt, answer);
    const editUntil = new Date(prompt.expiresAt.getTime() + EDIT_WINDOW_MS);
    const saved = req.query.saved === '1' && answer;
    const parts: Array<SafeHtml | string> = [];
    if (runner) parts.push(html`<p>Hi ${runner.name}.</p>`);
    if (prompt.kind === 'next_morning' && prompt.localDate)
      parts.push(html`<p class="muted">About your run on ${formatDay(addDays(prompt.localDate, -1))}.</p>`);
    if (extra.errors) parts.push(html`<div class="error" role="alert"><p>Please check the answers marked below.</p></div>`);
    if (answer && !extra.errors) {
      parts.push(
        html`<div class="notice" role="status"><p>${saved ? 'Thank you, your answers are saved.' : 'Your answers are recorded.'}</p>${recordedList(prompt, stored, askCalf)}<p class="small">You can change them until ${until(editUntil, tz)}.</p></div><h2>Change your answers</h2>`,
      );
    }
    parts.push(
      renderAnswerForm(prompt, {
        action: `/p/${token}`,
        values: extra.values ?? stored,
        errors: extra.errors,
        askCalf,
        submitLabel: answer ? 'Save changes' : 'Save my answers',
      }),
    );
    if (!answer) parts.push(html`<p class="small muted">Open until ${until(prompt.expiresAt, tz)}. 0 means no pain, 10 the worst imaginable.</p>`);
    res
      .status(extra.status ?? 200)
      .type('html')
      .send(
        renderPage({
          title: titleOf(prompt),
          body: parts,
          head: raw('<link rel="stylesheet" href="/assets/answer.css"><meta name="robots" content="noindex">'),
        }),
      );
  }

  // guessing tokens must be slow: opening and posting the page count against the page-answer limit
  const limit = rateLimit(deps, 'page-answer', {
    onLimited: (_req, res) => sendPage(res, 429, 'Too many attempts', html`<p>Please wait a few minutes and try again.</p>`),
  });

  router.get('/p/:token', headers, noReferrer, limit, async (req, res) => {
    await show(req, res);
  });
  router.post('/p/:token', headers, noReferrer, limit, form, async (req, res) => {
    const token = String(req.params.token);
    const found = await findPromptByToken(deps, token);
    if (!found) return notFoundPage(res);
    const input = (req.body ?? {}) as Record<string, unknown>;
    try {
      await recordAnswer(deps, found.prompt.id, input, { via: 'page' });
    } catch (err) {
      if (err instanceof ValidationError) {
        const issues = ((err.details as { issues?: Array<{ path: string; message: string }> } | undefined)?.issues ?? []).map(
          (i) => [i.path.split('.')[1] ?? 'form', i.message] as const,
        );
        return show(req, res, { values: input, errors: Object.fromEntries(issues), status: 422 });
      }
      if (err instanceof AppError && err.status === 410) return closedPage(res, 'closed');
      throw err;
    }
    res.redirect(303, `/p/${token}?saved=1`);
  });
  // a refused form body (NUL byte, too large) is the client's: a page, not JSON
  const refusedBody: ErrorRequestHandler = (err, _req, res, next) => {
    const status = (err as { status?: unknown })?.status;
    if (res.headersSent || typeof status !== 'number' || status < 400 || status >= 500) return next(err);
    sendPage(res, status, 'That did not work', html`<p>The answers could not be read. Please go back and try again.</p>`);
  };
  router.use(refusedBody);
  return router;
}
