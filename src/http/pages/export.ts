import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Router, type RequestHandler, type Response } from 'express';
import type { AppDeps } from '../../deps.js';
import {
  claimDownload,
  completeDownload,
  latestExport,
  peekDownload,
  releaseDownload,
  REQUEST_ID,
  requestExport,
  type DownloadClaim,
  type ExportView,
} from '../../services/exports/index.js';
import { requireRunner } from '../../services/runners.js';
import { sessionOf } from '../middleware/session.js';
import { continueCookieName, continueStep } from './continue-step.js';
import { html, raw } from './html.js';
import { pageHeaders } from './layout.js';
import { badCsrfPage, csrfField, sendMessage, sendPage } from './respond.js';

/**
 * "Export my data": the signed-in runner asks for an export with a form POST (works without
 * JavaScript), the page shows its progress on reload (and reloads itself while it runs) and the
 * single-use download link once ready. `GET /exports/:token` is that link: a page whose "Download my
 * data" button (a form POST to the same address) downloads the zip.
 */

function when(iso: string, tz: string): string {
  return new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: tz }).format(new Date(iso));
}

function mb(bytes: number | null): string {
  return `${((bytes ?? 0) / 1_048_576).toFixed(1)} MB`;
}

const CONTENTS = [
  'the original files of your runs, exactly as your watch or platform sent them (FIT)',
  'every activity with its distance, time, pace, cadence, descent and where it came from (JSON and CSV)',
  'your pain diary: your answers after each run and the next morning (JSON and CSV)',
  'your weekly totals and the warnings stridesync gave you',
  'your cadence goals and cadence report (JSON and CSV)',
  'your settings: profile, prompt times, connected platforms, share links (no passwords, tokens or sign-in data)',
  'a manifest listing every file with its size and SHA-256 checksum',
];

function statusBlock(view: ExportView | null, tz: string) {
  if (!view) return '';
  if (view.status === 'queued' || view.status === 'running')
    return html`<section class="card" aria-labelledby="exp-h"><h2 id="exp-h">Your export is being prepared</h2>
<p role="status">${view.status === 'queued' ? 'Waiting to start' : `${view.progress} % done`} <progress max="100" value="${view.progress}" aria-label="Export progress">${view.progress} %</progress></p>
<p>This page reloads itself every few seconds; you can also <a href="/export">reload it</a> or come back later.</p></section>`;
  if (view.status === 'failed')
    return html`<section class="card" aria-labelledby="exp-h"><h2 id="exp-h">Your last export did not finish</h2>
<p class="warning">Something went wrong while preparing it. Please ask for a new one below.</p></section>`;
  if (view.link === 'active' && view.downloadUrl)
    return html`<section class="card" aria-labelledby="exp-h"><h2 id="exp-h">Your export is ready</h2>
<p>One zip file, ${mb(view.bytes)}. The link works <strong>once</strong>, until ${when(view.expiresAt!, tz)}; the file is then deleted.</p>
<p><a class="button" href="${view.downloadUrl}">Download your data</a></p></section>`;
  const why =
    view.link === 'used'
      ? `Your export of ${when(view.createdAt, tz)} was downloaded${view.downloadedAt ? ` on ${when(view.downloadedAt, tz)}` : ''}; its link works only once.`
      : `The link of your export of ${when(view.createdAt, tz)} has expired.`;
  return html`<section class="card" aria-labelledby="exp-h"><h2 id="exp-h">Your last export</h2><p>${why}</p></section>`;
}

/** The Continue page's cookie (see continue-step.ts) and how long its form may be sent. */
const EXPORT_COOKIE = 'stridesync_export';
const CONTINUE_TTL_MS = 30 * 60_000;

export function exportCookieName(publicUrl: string): string {
  return continueCookieName(publicUrl, EXPORT_COOKIE);
}

/** Why a download link cannot be used: 404 unknown, 409 not ready, 410 used, expired or failed. */
function unusable(res: Response, d: Exclude<DownloadClaim, { kind: 'ok' }>): void {
  if (d.kind === 'not_found') return sendMessage(res, 404, 'Export not found', ['This download link does not exist. Check that the whole link was copied.']);
  if (d.kind === 'not_ready')
    return sendMessage(res, 409, 'Your export is not ready yet', ['It is still being prepared. Open the link again in a few minutes.']);
  const text = {
    used: 'This export was already downloaded. For your safety a download link works only once. You can make a new export on your Export page in stridesync.',
    expired: 'This download link has expired and the file was deleted. You can make a new export on your Export page in stridesync.',
    failed: 'This export could not be prepared. You can make a new one on your Export page in stridesync.',
  }[d.reason];
  sendMessage(res, 410, d.reason === 'used' ? 'Already downloaded' : 'This link no longer works', [text]);
}

function fileMissing(res: Response): void {
  sendMessage(res, 410, 'This link no longer works', [
    'The file of this export is no longer there. You can make a new export on your Export page in stridesync.',
  ]);
}

async function fileThere(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export function exportPageRoutes(deps: AppDeps, page: RequestHandler[], opts: { linkLimit: RequestHandler; form: RequestHandler }): Router {
  const r = Router();

  async function show(res: Response, notice?: string): Promise<void> {
    const s = sessionOf(res)!;
    const view = await latestExport(deps, s.runnerId);
    const running = view?.status === 'queued' || view?.status === 'running';
    const body = html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
<p>You can download everything stridesync keeps about you as one zip file, to keep or to take to another service. It contains:</p>
<ul>${CONTENTS.map((c) => html`<li>${c}</li>`)}</ul>
${statusBlock(view, s.runner.timezone)}
${
  running
    ? ''
    : html`<form method="post" action="/export">
${csrfField(res)}
<input type="hidden" name="requestId" value="${randomUUID()}">
<p><button type="submit">${view ? 'Make a new export' : 'Export my data'}</button></p>
</form>
<p class="hint">Preparing the file takes from a few seconds to a few minutes. The download link is shown here, and e-mailed to you when stridesync has your e-mail address.</p>`
}`;
    sendPage(res, 200, {
      title: 'Export my data',
      body,
      current: '/export',
      // reloads while the export runs (no script needed)
      ...(running ? { head: raw('<meta http-equiv="refresh" content="5">') } : {}),
    });
  }

  r.get('/export', ...page, async (req, res) => show(res, req.query.started === '1' ? 'Your export has started.' : undefined));
  r.post('/export', ...page, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    // the form's own id: sending the same form twice (a double click, a resend) starts one export
    const requestId = typeof body.requestId === 'string' && REQUEST_ID.test(body.requestId) ? body.requestId : randomUUID();
    await requestExport(deps, sessionOf(res)!.runnerId, `page-${requestId}`.slice(0, 64));
    res.redirect(303, '/export?started=1');
  });

  const step = continueStep(deps.env.PUBLIC_URL, EXPORT_COOKIE, CONTINUE_TTL_MS);

  /**
   * The e-mailed link's page: what the export is and a "Download my data" button. Opening it (a mail
   * scanner, a link preview, a HEAD, which express answers here) never uses the link; only the
   * button's form POST below does.
   */
  r.get('/exports/:token', pageHeaders({ noIndex: true }), opts.linkLimit, async (req, res) => {
    const token = String(req.params.token);
    const peek = await peekDownload(deps, token);
    if (peek.kind !== 'ok') return unusable(res, peek);
    if (!(await fileThere(peek.path))) return fileMissing(res);
    const { timezone } = await requireRunner(deps, peek.row.runnerId);
    const until = peek.row.expiresAt ? html` until ${when(peek.row.expiresAt.toISOString(), timezone)}` : '';
    sendPage(res, 200, {
      title: 'Your stridesync data export',
      nav: [],
      body: html`<p>Your export of ${when(peek.row.createdAt.toISOString(), timezone)}: one zip file, ${mb(peek.row.bytes)}.</p>
<p>The download works <strong>once</strong>${until}; the file is then deleted. Keep this page until the download has finished.</p>
<form method="post" action="/exports/${token}">
${step.start(res, deps.now())}
<p><button type="submit">Download my data</button></p>
</form>`,
    });
  });

  r.post('/exports/:token', pageHeaders({ noIndex: true }), opts.linkLimit, opts.form, async (req, res) => {
    // only the page's own form (its cookie and the same value in the form) uses the link
    if (!step.passes(req)) return badCsrfPage(req, res);
    const claim = await claimDownload(deps, String(req.params.token));
    if (claim.kind !== 'ok') return unusable(res, claim);
    let size: number;
    try {
      size = (await stat(claim.path)).size;
    } catch {
      await releaseDownload(deps, claim);
      return fileMissing(res);
    }
    const day = (claim.row.readyAt ?? claim.row.createdAt).toISOString().slice(0, 10);
    res.status(200);
    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Length', String(size));
    res.setHeader('Content-Disposition', `attachment; filename="stridesync-export-${day}.zip"`);
    res.setHeader('Cache-Control', 'no-store');
    // bytes written to the response (counted once each write was taken, before the file's end is read)
    let handed = 0;
    try {
      await pipeline(
        createReadStream(claim.path),
        async function* count(chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            yield chunk;
            handed += chunk.length;
          }
        },
        res,
      );
    } catch (err) {
      if (handed < size) req.log?.warn({ err, exportId: claim.row.id }, 'export download broke off');
    }
    // Only a download whose whole file was written to the connection uses the link up; one that broke off
    // before gives it back. Not the response's 'finish': the client knows the length, may close as soon as it
    // holds every byte, and that close can come before this process has read the file's end and ended the response.
    const completed = res.writableEnded || handed === size;
    if (completed) await completeDownload(deps, claim);
    else await releaseDownload(deps, claim);
  });
  return r;
}
