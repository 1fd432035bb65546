import type { Response } from 'express';
import type { Env } from '../config/env.js';
import { issueConnectLink } from '../services/connect-links.js';

/** Small self-contained HTML result pages for the runner's browser (OAuth callbacks). */

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A small self-contained page for the runner's browser; `paragraphs` are plain text, escaped here. */
export function sendPage(res: Response, status: number, title: string, paragraphs: string[], link?: { href: string; text: string }): void {
  const body = paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n');
  const a = link ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>` : '';
  res
    .status(status)
    .type('html')
    .set('Cache-Control', 'no-store')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head>` +
        `<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5"><h1>${escapeHtml(title)}</h1>\n${body}\n${a}</body></html>`,
    );
}

export type CommonConnectOutcome = 'denied' | 'athlete_taken' | 'other_athlete_connected';

/**
 * The "connect again" link of a platform's result page: a fresh signed connect link (the callback
 * that renders it has just proven, through the browser-bound state, who the runner is).
 */
export function connectAgainLink(
  deps: { env: Pick<Env, 'PUBLIC_URL' | 'tokenEncryptionKey'>; now: () => Date },
  provider: { id: string; label: string },
  runnerId: string,
): { href: string; text: string } {
  return { href: issueConnectLink(deps, runnerId, provider.id).url, text: `Connect ${provider.label} again` };
}

/** Result pages that read the same for every platform but for its name. */
export function sendCommonConnectPage(res: Response, platform: string, kind: CommonConnectOutcome, retry: { href: string; text: string }): void {
  switch (kind) {
    case 'denied':
      return sendPage(
        res,
        400,
        `${platform} was not connected`,
        [`You chose not to authorise access on ${platform}, so nothing was connected. You can try again at any time.`],
        retry,
      );
    case 'athlete_taken':
      return sendPage(res, 409, `This ${platform} account is already in use`, [
        `This ${platform} account is already connected to another runner profile. Disconnect it there first, or sign in to ${platform} with your own account.`,
      ]);
    case 'other_athlete_connected':
      return sendPage(res, 409, `A different ${platform} account is connected`, [
        `Your profile is already connected to a different ${platform} account. Disconnect that one first, then connect this one.`,
      ]);
  }
}
