import { html } from '../../http/pages/html.js';
import type { PromptMessage } from './message.js';
import { runSummaryLine } from './message.js';

/** The e-mail of one prompt: plain text plus simple HTML, the answer link as the one call to action. */
export function promptEmail(msg: PromptMessage): { subject: string; text: string; html: string } {
  const body = html`<!doctype html>
<html lang="en"><body style="font-family:sans-serif;font-size:16px;line-height:1.5;max-width:32em;margin:auto;padding:1em">
<h1 style="font-size:20px">${msg.title}</h1>
${msg.run ? html`<p>Your run: ${runSummaryLine(msg.run)}</p>` : ''}
<p>We ask:</p>
<ul>${msg.questions.map((q) => html`<li>${q.text}</li>`)}</ul>
<p><a href="${msg.answerUrl}" style="display:inline-block;padding:12px 20px;background:#0b5;color:#fff;text-decoration:none;border-radius:6px;font-weight:bold">Answer now</a></p>
<p style="color:#555;font-size:14px">0 means no pain, 10 the worst imaginable. The link works until ${msg.expiresAt.slice(0, 16).replace('T', ' ')} UTC.</p>
</body></html>`;
  return { subject: msg.title, text: msg.text, html: body.value };
}
