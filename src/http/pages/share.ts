import type { Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { listWarnings, listWeeks } from '../../db/queries/weeks.js';
import { addDays } from '../../domain/iso-week.js';
import { localDateOf } from '../../domain/iso-week.js';
import { getPainReport, storedLights } from '../../services/pain-report.js';
import { findRunner } from '../../db/queries/runners.js';
import { SECTION_WORDS, SHARE_SECTIONS, type ShareSection, type ShareView } from '../../services/shares.js';
import type { PageSession } from '../../services/sessions/index.js';
import { html, raw } from './html.js';
import { day, duration, km, metres, poweredByStrava } from './fragments.js';
import { loadDiaryRows } from './diary-data.js';
import { diaryTable } from './diary-view.js';
import { csrfField, sendPage } from './respond.js';
import { cadenceSection } from './cadence-bridge.js';

/** The runner's share page (consent step, list, revoke) and the recipient's read-only page. */

/** 'daysSincePreviousRun' → 'days since previous run' */
function words(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

function when(iso: string, tz: string): string {
  return new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: tz }).format(new Date(iso));
}

/** Where a share link was created: from which device (the session's sign-in), or outside these pages. */
function createdFrom(s: ShareView, session: PageSession, tz: string): string {
  const c = s.createdFrom;
  if (!c) return 'Created outside these pages.';
  const device = c.device ?? 'an unknown browser';
  const signedIn = c.signedInAt ? ` (signed in ${when(c.signedInAt, tz)})` : '';
  return c.sessionId === session.id ? `Created on this device (${device}).` : `Created from ${device}${signedIn}.`;
}

export async function renderShareHome(
  deps: AppDeps,
  res: Response,
  session: PageSession,
  shares: ShareView[],
  opts: { status?: number; notice?: string; newUrl?: string; error?: string; values?: { recipient?: string; sections?: string[] } } = {},
): Promise<void> {
  void deps;
  const tz = session.runner.timezone;
  const checked = new Set(opts.values?.sections ?? SHARE_SECTIONS);
  const body = html`
${opts.notice ? html`<p class="notice" role="status">${opts.notice}</p>` : ''}
${opts.newUrl ? html`<div class="card"><p><strong>Send this link to the person you named.</strong> Anyone holding it can read what you chose until it expires or you revoke it.</p><p><label for="share-url">Share link</label><input type="text" id="share-url" readonly value="${opts.newUrl}"></p></div>` : ''}
<section aria-labelledby="new-h">
<h2 id="new-h">Share with your physiotherapist</h2>
<p>You can give one person a read-only link to your running data. They will not be able to change anything. Your data is only shown to them if you agree below.</p>
${opts.error ? html`<p class="error" role="alert">${opts.error}</p>` : ''}
<form method="post" action="/share">
${csrfField(res)}
<label for="recipient">Who will see it? (name and role)</label>
<p class="hint" id="recipient-hint">For example “Kari Nordmann, physiotherapist”.</p>
<input type="text" id="recipient" name="recipient" required maxlength="200" aria-describedby="recipient-hint" value="${opts.values?.recipient ?? ''}">
<fieldset><legend>What they will see</legend>
${SHARE_SECTIONS.map((s) => html`<div><input type="checkbox" id="sec-${s}" name="sections" value="${s}"${checked.has(s) ? raw(' checked') : ''}> <label for="sec-${s}" class="inline">${SECTION_WORDS[s]}</label></div>`)}
</fieldset>
<label for="days">For how many days?</label>
<select id="days" name="expiresInDays"><option value="7">7 days</option><option value="30" selected>30 days</option><option value="90">90 days</option></select>
<fieldset><legend>Your consent</legend>
<div><input type="checkbox" id="consent" name="consent" value="yes" required> <label for="consent" class="inline">I agree that the person named above may see the sections I ticked, including data that came from Strava or Garmin, until the link expires or I revoke it.</label></div>
</fieldset>
<p><button type="submit">Create the share link</button></p>
</form>
</section>
<section aria-labelledby="list-h">
<h2 id="list-h">Who you have shared with</h2>
${
  shares.length
    ? html`<ul class="runs">${shares.map(
        (
          s,
        ) => html`<li class="card"><strong>${s.recipient}</strong> — ${s.status === 'active' ? html`active until ${when(s.expiresAt, tz)}` : s.status === 'revoked' ? html`revoked ${when(s.revokedAt!, tz)}` : html`expired ${when(s.expiresAt, tz)}`}<br>
<span class="small">Sees: ${s.sections.join(', ')}. ${s.lastOpenedAt ? `Last opened ${when(s.lastOpenedAt, tz)}.` : 'Not opened yet.'} ${createdFrom(s, session, tz)}</span>
${s.status === 'active' ? html`<form method="post" action="/share/${s.id}/revoke">${csrfField(res)}<button type="submit" class="secondary">Revoke access for ${s.recipient}</button></form>` : ''}</li>`,
      )}</ul>`
    : html`<p>You have not shared your data with anyone.</p>`
}
<p class="small">Someone else may have used your sign-in? <a href="/sessions">Sign out everywhere</a> and withdraw the links made from other devices.</p>
</section>`;
  sendPage(res, opts.status ?? 200, { title: 'Share your diary', body, current: '/share' });
}

/** The recipient's page: read-only, no forms, no session, not indexed. */
export async function renderSharedPage(deps: AppDeps, res: Response, runnerId: string, share: ShareView): Promise<void> {
  const runner = await findRunner(deps.db, runnerId);
  if (!runner) return sendShareNotFound(res);
  const tz = runner.timezone;
  const today = localDateOf(deps.now(), null, tz);
  const from = addDays(today, -83);
  const has = (s: ShareSection) => share.sections.includes(s);
  const [diary, weeks, warnings, pain, cadence] = await Promise.all([
    has('diary') ? loadDiaryRows(deps, runnerId, { from }) : Promise.resolve([]),
    has('weeks') ? listWeeks(deps.db, runnerId, { limit: 12 }) : Promise.resolve([]),
    has('warnings') ? listWarnings(deps.db, runnerId) : Promise.resolve([]),
    has('pain') ? getPainReport({ db: deps.db, lights: storedLights }, runnerId, { from }) : Promise.resolve(null),
    has('cadence') ? cadenceSection(deps, runnerId) : Promise.resolve(''),
  ]);
  const body = html`
<p class="notice">Shared by ${runner.name} with <strong>${share.recipient}</strong>, read only, until ${when(share.expiresAt, tz)}. The last 12 weeks are shown.</p>
${
  has('weeks')
    ? html`<section aria-labelledby="weeks-h"><h2 id="weeks-h">Weeks</h2>${
        weeks.length
          ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="Weekly totals"><table><caption class="visually-hidden">Weekly totals</caption><thead><tr><th scope="col">Week</th><th scope="col" class="num">Distance (km)</th><th scope="col" class="num">Time</th><th scope="col" class="num">Descent (m)</th><th scope="col" class="num">Runs</th><th scope="col">Changed</th></tr></thead><tbody>${weeks.map(
              (w) => {
                const v = w.variables;
                return html`<tr><th scope="row">${day(w.startDate)}</th><td class="num">${km(v.distanceM)}</td><td class="num">${duration(v.movingTimeS)}</td><td class="num">${metres(v.elevationLossM)}</td><td class="num">${v.runs ?? 0}</td><td>${(w.changed ?? []).join(', ') || '—'}</td></tr>`;
              },
            )}</tbody></table></div>`
          : html`<p>No weeks yet.</p>`
      }</section>`
    : ''
}
${has('warnings') ? html`<section aria-labelledby="warn-h"><h2 id="warn-h">Warnings</h2>${warnings.length ? warnings.slice(0, 20).map((w) => html`<div class="warning"><p><strong>${w.week}</strong> (${w.status}): ${w.message}</p></div>`) : html`<p>No warnings.</p>`}</section>` : ''}
${has('diary') ? html`<section aria-labelledby="diary-h"><h2 id="diary-h">Diary</h2>${diaryTable(diary, { editable: false, caption: 'Runs of the last 12 weeks, newest first' })}</section>` : ''}
${
  has('pain') && pain
    ? html`<section aria-labelledby="pain-h"><h2 id="pain-h">Pain report</h2>
<p>${pain.runs} runs, ${pain.answered} with pain answers: ${pain.lights.green} green, ${pain.lights.amber} amber, ${pain.lights.red} red.</p>
${pain.note ? html`<p class="small muted">${pain.note}</p>` : ''}
${pain.variables.length ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="Pain report by run variable"><table><caption class="visually-hidden">Run variables on flare-up runs against green runs</caption><thead><tr><th scope="col">Variable</th><th scope="col" class="num">Flare-up runs (median)</th><th scope="col" class="num">Green runs (median)</th><th scope="col">Verdict</th></tr></thead><tbody>${pain.variables.map((v) => html`<tr><th scope="row">${words(v.name)}</th><td class="num">${v.flareUps.median == null ? '—' : Number(v.flareUps.median.toFixed(2))} (n=${v.flareUps.n})</td><td class="num">${v.green.median == null ? '—' : Number(v.green.median.toFixed(2))} (n=${v.green.n})</td><td>${v.verdict}</td></tr>`)}</tbody></table></div>` : ''}
${pain.flareUps.length ? html`<ul>${pain.flareUps.map((f) => html`<li>${day(f.localDate)} (${f.light}): ${f.standouts.map((s) => s.text).join('; ') || 'nothing stood out'}</li>`)}</ul>` : ''}
</section>`
    : ''
}
${has('cadence') ? html`<section aria-labelledby="cad-h"><h2 id="cad-h">Cadence</h2>${cadence}</section>` : ''}
${poweredByStrava(diary.some((r) => r.source === 'strava'))}`;
  sendPage(res, 200, { title: `${runner.name}’s running diary`, body, nav: [], head: html`<meta name="robots" content="noindex, nofollow">` });
}

const NO_INDEX = html`<meta name="robots" content="noindex, nofollow">`;

/** An unknown share token (or a runner who no longer exists): 404, without saying whether such a link ever existed. */
export function sendShareNotFound(res: Response): void {
  sendPage(res, 404, {
    title: 'This link does not work',
    body: html`<p>There is no shared diary at this address. Check that the whole link was copied, or ask the runner who shared it for the link again.</p>`,
    nav: [],
    head: NO_INDEX,
  });
}

/** A share link that existed but expired or was revoked by the runner: 410 Gone, saying how to get a new one. */
export function sendShareGone(res: Response, why: 'expired' | 'revoked'): void {
  const body =
    why === 'expired'
      ? html`<p>This share link has expired. Share links last 7, 30 or 90 days, as the runner chose when they made it.</p>
<p>To see their diary again, ask the runner for a new link: they can make one in stridesync on their <strong>Share</strong> page, naming you as the person who may see it.</p>`
      : html`<p>The runner has withdrawn this share link, so their diary is no longer shown here.</p>
<p>If you still need to see it, ask the runner: they can make a new link on their <strong>Share</strong> page in stridesync.</p>`;
  sendPage(res, 410, { title: why === 'expired' ? 'This share link has expired' : 'This share link was withdrawn', body, nav: [], head: NO_INDEX });
}
