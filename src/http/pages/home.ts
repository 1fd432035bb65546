import type { Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { listRunnerActivities } from '../../db/queries/activities.js';
import { loadWeekLacking, loadWeekRuns, listWarnings } from '../../db/queries/weeks.js';
import { summaryFrom, thisWeekVsLast, type Light, type WeekTotals } from '../../domain/home-summary.js';
import { localDateOf } from '../../domain/iso-week.js';
import type { PageSession } from '../../services/sessions/index.js';
import { html, raw, type HtmlValue } from './html.js';
import { day, duration, garminAttribution, km, lackingLine, lightBadge, metres, poweredByStrava, sourceTag } from './fragments.js';
import { sendPage } from './respond.js';
import { pageLights } from '../../services/pain/page-lights.js';
import { pendingPromptForms, type AnswerFormState } from './pain-bridge.js';

/** The home page: this week vs last, warnings, pending pain questions, the latest runs, the green streak. */

function weekRow(label: string, f: (w: WeekTotals) => HtmlValue, a: WeekTotals, b: WeekTotals, cls = 'num') {
  return html`<tr><th scope="row">${label}</th><td class="${cls}">${f(a)}</td><td class="${cls}">${f(b)}</td></tr>`;
}

export async function renderHome(
  deps: AppDeps,
  res: Response,
  session: PageSession,
  notice?: string,
  answerState?: AnswerFormState,
  status = 200,
): Promise<void> {
  const runnerId = session.runnerId;
  const today = localDateOf(deps.now(), null, session.runner.timezone);
  const [weekRuns, latest, openWarnings] = await Promise.all([
    loadWeekRuns(deps.db, runnerId, summaryFrom(today), today),
    listRunnerActivities(deps.db, runnerId, { limit: 8 }),
    listWarnings(deps.db, runnerId, { status: 'open' }),
  ]);
  const latestRuns = latest.filter((r) => r.activity.isRun && r.activity.status === 'ready').slice(0, 5);
  const oldest = latestRuns
    .map((r) => r.activity.localDate)
    .filter((d): d is string => d !== null)
    .sort()[0];
  const { lights, streak } = await pageLights(deps, runnerId, today, oldest);
  const { thisWeek, lastWeek } = thisWeekVsLast(
    weekRuns.map((r) => ({ ...r, light: lights.get(r.id) ?? null })),
    today,
  );
  const prompts = await pendingPromptForms(deps, res, session, answerState);
  const warnings = openWarnings.filter((w) => w.week >= lastWeek.week).slice(0, 5);
  const sources = new Set(latestRuns.map((r) => r.activity.source));
  const lacking = await loadWeekLacking(deps.db, runnerId, lastWeek.start, thisWeek.end);

  const body = html`
${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
${prompts}
<section aria-labelledby="week-h">
<h2 id="week-h">This week and last week</h2>
<div class="table-wrap" tabindex="0" role="region" aria-label="This week and last week"><table>
<caption class="small muted">Counted runs, Monday to Sunday (${day(thisWeek.start)} to ${day(thisWeek.end)} is this week)</caption>
<thead><tr><th scope="col">What</th><th scope="col" class="num">This week</th><th scope="col" class="num">Last week</th></tr></thead>
<tbody>
${weekRow('Distance (km)', (w) => km(w.distanceM), thisWeek, lastWeek)}
${weekRow('Running time (hours and minutes)', (w) => duration(w.movingTimeS), thisWeek, lastWeek)}
${weekRow('Descent (metres downhill)', (w) => metres(w.elevationLossM), thisWeek, lastWeek)}
${weekRow('Runs', (w) => String(w.runs), thisWeek, lastWeek)}
${weekRow('Knee light (worst of the week)', (w) => lightBadge(w.light), thisWeek, lastWeek, 'light-cell')}
</tbody></table></div>
${lackingLine(lacking)}
${streak === null ? '' : html`<p><strong>Green streak:</strong> ${streak === 1 ? '1 run' : `${streak} runs`} in a row with a green knee light.</p>`}
</section>
<section aria-labelledby="warn-h">
<h2 id="warn-h">Warnings</h2>
${warnings.length ? warnings.map((w) => html`<div class="warning"><p>${w.message}</p></div>`) : html`<p>No warnings this week or last week.</p>`}
</section>
<section aria-labelledby="runs-h">
<h2 id="runs-h">Latest runs</h2>
${
  latestRuns.length
    ? html`<ul class="runs">${latestRuns.map(
        (r) => html`<li class="card"><strong>${day(r.activity.localDate)}</strong>${r.activity.name ? html` · ${r.activity.name}` : ''}<br>
${km(r.metrics?.distanceM)} · ${duration(r.metrics?.movingTimeS)} · ${metres(r.metrics?.elevationLossM)} descent<br>
${lightBadge((lights.get(r.activity.id) ?? null) as Light | null)} ${sourceTag(r.activity.source, r.activity.externalId, r.activity.expiredAt !== null && r.activity.excludedReason === 'expired')}</li>`,
      )}</ul>`
    : html`<p>No runs yet. <a href="/connect">Connect Strava or Garmin</a> and your runs will appear here.</p>`
}
</section>
${
  deps.env.vapid
    ? html`<section aria-labelledby="push-h" id="push" hidden data-vapid-key="${deps.env.vapid.publicKey}" data-csrf="${session.csrfToken}">
<h2 id="push-h">Notifications on this phone</h2>
<p>Get the pain questions as notifications instead of checking this page.</p>
<button type="button" id="push-enable" class="secondary">Turn on notifications</button>
<p id="push-status" class="small muted" role="status"></p>
</section>`
    : ''
}
${poweredByStrava(sources.has('strava'))}${garminAttribution(sources.has('garmin'))}
<p class="small"><a href="/account/delete">Delete my account</a></p>
`;
  sendPage(res, status, {
    title: 'Your running',
    body,
    current: '/',
    head: raw('<link rel="stylesheet" href="/assets/answer.css">'),
    scripts: deps.env.vapid ? ['/assets/push.js'] : [],
  });
}
