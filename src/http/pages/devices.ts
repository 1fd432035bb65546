import type { Response } from 'express';
import type { SessionView } from '../../services/sessions/index.js';
import type { PageSession } from '../../services/sessions/index.js';
import type { ShareView } from '../../services/shares.js';
import { html } from './html.js';
import { csrfField, sendPage } from './respond.js';

/**
 * The Devices page: the runner's signed-in sessions and the "Sign out everywhere" form (a plain form
 * POST with the session's CSRF token, so it works with JavaScript off). Its checkbox also withdraws
 * the share links created from the other devices, in case one of them was not the runner's.
 */

function when(d: string | Date, tz: string): string {
  return new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: tz }).format(new Date(d));
}

/** Share links a stolen session may have made: live, and created on these pages from another session. */
export function sharesFromOtherDevices(shares: ShareView[], currentSessionId: string): ShareView[] {
  return shares.filter((s) => s.status === 'active' && s.createdFrom && s.createdFrom.sessionId !== currentSessionId);
}

export function renderDevices(res: Response, session: PageSession, sessions: SessionView[], shares: ShareView[]): void {
  const tz = session.runner.timezone;
  const others = sharesFromOtherDevices(shares, session.id);
  const body = html`
<section aria-labelledby="devices-h">
<h2 id="devices-h">Where you are signed in</h2>
<ul class="runs">${sessions.map(
    (s) =>
      html`<li class="card"><strong>${s.device ?? 'an unknown browser'}</strong>${s.id === session.id ? ' (this device)' : ''}<br><span class="small">Signed in ${when(s.signedInAt, tz)}, last used ${when(s.lastSeenAt, tz)}.</span></li>`,
  )}</ul>
</section>
<section aria-labelledby="everywhere-h">
<h2 id="everywhere-h">Sign out everywhere</h2>
<p>If you lost a phone or think someone else used your sign-in link, sign out everywhere: every device above is signed out, this one too. You can come back with a new sign-in link.</p>
<form method="post" action="/sessions/revoke">
${csrfField(res)}
<div><input type="checkbox" id="withdraw-shares" name="withdrawShares" value="yes" aria-describedby="withdraw-hint"> <label for="withdraw-shares" class="inline">Also withdraw links created from other devices</label></div>
<p class="hint" id="withdraw-hint">${
    others.length
      ? html`${others.length === 1 ? 'One active share link was' : `${others.length} active share links were`} created from another device: ${others.map((s) => s.recipient).join(', ')}. Links made on this device and links made outside these pages stay.`
      : 'No active share link was created from another device. Links made on this device and links made outside these pages stay.'
  }</p>
<p><button type="submit">Sign out everywhere</button></p>
</form>
</section>`;
  sendPage(res, 200, { title: 'Your devices', body, current: '/sessions' });
}
