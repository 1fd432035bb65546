import type { Response } from 'express';
import type { AppDeps } from '../../deps.js';
import type { PageSession } from '../../services/sessions/index.js';
import { html, type HtmlValue } from './html.js';
import { formatDay } from '../../domain/messages.js';
import { askCalfFor } from '../../services/pain/answers.js';
import { listPrompts } from '../../services/prompts/index.js';
import { renderAnswerForm } from '../routes/answer-page.js';

/** What the pages show of the pain loop: the pending questions and their answer forms (lights: services/pain/page-lights.ts). */

export interface AnswerFormState {
  promptId: string;
  values: Record<string, unknown>;
  errors: Record<string, string>;
}

const KIND_TITLES: Record<string, string> = {
  after_run: 'Your knee after the run',
  settle_check: 'Has your knee settled?',
  next_morning: 'Your knee this morning',
  rest_morning: 'Your knee this morning',
};

/** The open pain questions (due already), each with its answer form posting to this page. */
export async function pendingPromptForms(deps: AppDeps, res: Response, session: PageSession, state?: AnswerFormState): Promise<HtmlValue> {
  const now = deps.now().getTime();
  const open = (await listPrompts(deps, session.runnerId, { status: 'open' })).filter((p) => new Date(p.dueAt).getTime() <= now).slice(0, 5);
  if (!open.length) return '';
  const forms = await Promise.all(
    open.map(async (p) => {
      const askCalf = await askCalfFor(deps, { kind: p.kind, runnerId: p.runnerId, localDate: p.localDate });
      const mine = state?.promptId === p.id ? state : undefined;
      return html`<div class="card" id="prompt-${p.id}"><h3>${KIND_TITLES[p.kind] ?? 'Your knee'}${p.localDate ? html` (${formatDay(p.localDate)})` : ''}</h3>
${mine ? html`<p class="error" role="alert">Your answers were not saved: please check the marked questions.</p>` : ''}
${renderAnswerForm({ id: p.id, kind: p.kind }, { action: `/prompts/${p.id}/answer`, hiddenFields: { _csrf: session.csrfToken }, askCalf, ...(mine ? { values: mine.values, errors: mine.errors } : {}) })}</div>`;
    }),
  );
  void res;
  return html`<section aria-labelledby="prompts-h"><h2 id="prompts-h">Questions about your knee</h2>${forms}</section>`;
}
