import type { Request, Response } from 'express';
import { sessionOf } from '../middleware/session.js';
import { html, type HtmlValue } from './html.js';
import { renderPage, type PageOptions } from './layout.js';

/** Send a full page; signed-in pages get the runner's name, navigation and sign-out form from the session. */
export function sendPage(res: Response, status: number, o: Omit<PageOptions, 'runner' | 'csrfToken'> & { current?: string }): void {
  const session = sessionOf(res);
  res
    .status(status)
    .type('html')
    .send(renderPage({ ...o, ...(session ? { runner: { name: session.runner.name }, csrfToken: session.csrfToken } : {}) }));
}

/** A short page with a title and plain-text paragraphs (errors, confirmations). */
export function sendMessage(res: Response, status: number, title: string, paragraphs: string[], extra: HtmlValue = ''): void {
  sendPage(res, status, { title, body: html`${paragraphs.map((p) => html`<p>${p}</p>`)}${extra}` });
}

export function signedOutPage(_req: Request, res: Response): void {
  res.locals.session = null;
  sendMessage(res, 401, 'Please open your sign-in link', [
    'This page is only for the runner it belongs to. Open the sign-in link you were sent (by email or by your coach); links work once and expire after 15 minutes, so ask for a new one if yours has.',
  ]);
}

export function badCsrfPage(_req: Request, res: Response): void {
  sendMessage(res, 403, 'Please try again', [
    'This form was out of date or did not come from your own page, so nothing was changed. Go back, reload the page and send it again.',
  ]);
}

/** The hidden CSRF field every form of a signed-in page carries. */
export function csrfField(res: Response) {
  const s = sessionOf(res);
  return html`<input type="hidden" name="_csrf" value="${s?.csrfToken ?? ''}">`;
}
