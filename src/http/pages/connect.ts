import type { Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { lastActivityReceivedAt } from '../../db/queries/activities.js';
import { listConnectionsOf } from '../../db/queries/runners.js';
import type { Provider } from '../../db/schema/index.js';
import type { PageSession } from '../../services/sessions/index.js';
import { html } from './html.js';
import { poweredByStrava } from './fragments.js';
import { csrfField, sendPage } from './respond.js';

/**
 * Where a connect button leads. The one place that decides how OAuth starts from the pages: today
 * a session route of this service (`/connect/start/:provider`), which starts OAuth for the
 * signed-in runner, so no runner id ever appears in a link.
 */
export function connectUrlFor(_runnerId: string, provider: Provider): string {
  return `/connect/start/${provider}`;
}

export const PROVIDER_NAMES: Record<Provider, string> = { strava: 'Strava', garmin: 'Garmin Connect' };

/** What disconnecting deletes, said plainly before the runner confirms. */
export function disconnectConsequences(provider: Provider): string[] {
  const name = provider === 'strava' ? 'Strava' : 'Garmin';
  return [
    `We ask ${name} to stop sharing your activities with stridesync, and we delete the access it gave us.`,
    `Every run we received from ${name} is deleted from stridesync, with its distance, time, cadence and descent. Your weekly totals and warnings are recalculated without them.`,
    `Your own answers about knee pain stay (they are yours), and runs you uploaded as files stay.`,
    `Nothing is deleted on ${name} itself. You can connect again at any time; your recent runs would then be imported again.`,
  ];
}

function when(d: Date | null, tz: string): string {
  if (!d) return 'no runs received yet';
  return new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: tz }).format(d);
}

export async function renderConnect(deps: AppDeps, res: Response, session: PageSession, notice?: string): Promise<void> {
  const conns = await listConnectionsOf(deps.db, session.runnerId);
  const configured: Record<Provider, boolean> = { strava: deps.env.strava !== null, garmin: deps.env.garmin !== null };
  const sections = await Promise.all(
    (['strava', 'garmin'] as const).map(async (provider) => {
      const c = conns.find((x) => x.provider === provider && x.status !== 'revoked');
      const name = PROVIDER_NAMES[provider];
      const button =
        provider === 'strava'
          ? html`<a class="strava-connect" href="${connectUrlFor(session.runnerId, 'strava')}">Connect with Strava</a>`
          : html`<a class="garmin-connect" href="${connectUrlFor(session.runnerId, 'garmin')}">Connect with Garmin</a>`;
      if (!c) {
        return html`<section class="card" aria-labelledby="${provider}-h"><h2 id="${provider}-h">${name}</h2>
<p>Not connected.</p>
${configured[provider] ? html`<p>${button}</p>` : html`<p class="muted">Connecting ${name} is not available on this server yet.</p>`}
</section>`;
      }
      const last = await lastActivityReceivedAt(deps.db, session.runnerId, provider);
      const backfill =
        c.backfillStatus === 'none'
          ? ''
          : c.backfillStatus === 'done'
            ? html`<p>Import of your earlier runs: finished (${c.backfillDone} of ${c.backfillTotal}).</p>`
            : c.backfillStatus === 'failed'
              ? html`<p>Import of your earlier runs: stopped after ${c.backfillDone} of ${c.backfillTotal}. New runs still arrive.</p>`
              : html`<p>Import of your earlier runs: ${c.backfillDone} of ${c.backfillTotal || '?'} done <progress max="${Math.max(c.backfillTotal, 1)}" value="${c.backfillDone}" aria-label="Import progress">${c.backfillDone}</progress></p>`;
      const status =
        c.status === 'active'
          ? html`<p><strong>Connected.</strong> Last run received: ${when(last, session.runner.timezone)}.</p>`
          : html`<p class="warning"><strong>Needs reconnecting.</strong> ${name} stopped accepting our access, so new runs do not arrive. Connect again below.</p><p>${button}</p>`;
      return html`<section class="card" aria-labelledby="${provider}-h"><h2 id="${provider}-h">${name}</h2>
${status}${backfill}
<p><a href="/connect/disconnect/${provider}">Disconnect ${name}</a></p>
</section>`;
    }),
  );
  const body = html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
<p>Connect the account your watch or phone uploads to; new runs then arrive on their own.</p>
${sections}
<section class="card" id="keep-your-runs" aria-labelledby="keep-h"><h2 id="keep-h">Keeping your runs for good</h2>
<p>Strava lets apps keep what they read from it for 7 days only. After that, a run that came from Strava shows
"expired from Strava", and your weeks leave it out and say so.</p>
<p>Your runs stay yours in two ways:</p>
<ul>
<li><strong>Import your Strava archive.</strong> On strava.com ask for your account's archive (a zip file of your own
activities). Import the zip the same way as a watch file (<code>stridesync import</code> or the uploads API): each run in
it replaces the Strava copy and is kept like a file you uploaded.</li>
<li><strong>Connect your watch's own account.</strong> If your watch is a Garmin, connect Garmin above: your runs then
arrive first-hand from the watch and are kept.</li>
</ul>
</section>
${poweredByStrava(conns.some((c) => c.provider === 'strava' && c.status !== 'revoked') || configured.strava)}`;
  sendPage(res, 200, { title: 'Connect your accounts', body, current: '/connect' });
}

export function renderDisconnectConfirm(res: Response, provider: Provider): void {
  const name = PROVIDER_NAMES[provider];
  const body = html`<p>Before you confirm, this is what disconnecting does:</p>
<ul>${disconnectConsequences(provider).map((p) => html`<li>${p}</li>`)}</ul>
<form method="post" action="/connect/disconnect/${provider}">
${csrfField(res)}
<button type="submit" class="danger">Yes, disconnect ${name} and delete its runs</button>
</form>
<p><a href="/connect">No, keep it connected</a></p>`;
  sendPage(res, 200, { title: `Disconnect ${name}?`, body, current: '/connect' });
}
