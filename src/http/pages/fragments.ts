import { formatDay, formatDuration } from '../../domain/messages.js';
import { expiredNotice, sourceLabel } from '../../domain/retention.js';
import type { Light } from '../../domain/home-summary.js';
import { html, raw } from './html.js';

/** Small view pieces shared by the runner's pages and the share page. */

export const LIGHT_WORDS: Record<Light, string> = {
  green: 'Green: fine',
  amber: 'Amber: take care',
  red: 'Red: back off',
  grey: 'Grey: not answered',
};

export function lightBadge(light: Light | null | undefined) {
  const l = light ?? 'grey';
  return html`<span class="light light-${l === 'grey' ? 'none' : l}">${LIGHT_WORDS[l]}</span>`;
}

export function km(m: number | null | undefined): string {
  return m == null ? '—' : `${(m / 1000).toFixed(1)} km`;
}

export function duration(s: number | null | undefined): string {
  return s == null ? '—' : formatDuration(s);
}

export function metres(m: number | null | undefined): string {
  return m == null ? '—' : `${Math.round(m)} m`;
}

export function day(localDate: string | null | undefined): string {
  return localDate ? formatDay(localDate) : '—';
}

/** Strava's link-back wording and colour for a Strava-sourced activity. */
export function viewOnStrava(source: string, externalId: string | null | undefined) {
  if (source !== 'strava' || !externalId || !/^\d+$/.test(externalId)) return '';
  return html`<a class="view-on-strava" href="https://www.strava.com/activities/${externalId}" rel="noopener">View on Strava</a>`;
}

/** "Powered by Strava" attribution, smaller than and separate from the product's own name. */
export function poweredByStrava(show: boolean) {
  return show ? html`<p class="powered-by-strava">Powered by Strava</p>` : '';
}

export function garminAttribution(show: boolean) {
  return show ? html`<p class="small muted">Data from Garmin Connect${raw('&trade;')}</p>` : '';
}

/**
 * Where a run came from ("from Strava" with "View on Strava", "from Garmin", "uploaded"); for a run whose
 * data expired with its source's cache window, the notice that says how to keep it (docs/platforms.md).
 */
export function sourceTag(source: string, externalId: string | null | undefined, expired = false) {
  const label = html`<span class="source small muted">${sourceLabel(source)}</span>`;
  const note = expired ? html` <span class="expired small">${expiredNotice(source)} (<a href="/connect#keep-your-runs">how</a>)</span>` : '';
  const link = viewOnStrava(source, externalId);
  return html`${label}${link ? html` ${link}` : ''}${note}`;
}

/** The plain line under a week that lacks runs whose data expired (lacking: their local dates). */
export function lackingLine(lacking: ReadonlyArray<{ localDate: string | null; source: string }>) {
  if (!lacking.length) return '';
  const days = lacking.map((l) => day(l.localDate)).join(', ');
  const count = lacking.length === 1 ? '1 run' : `${lacking.length} runs`;
  return html`<p class="notice small" data-lacking="${lacking.length}">These weeks leave out ${count} whose Strava data expired (${days}). <a href="/connect#keep-your-runs">Import your Strava archive</a> to count them again.</p>`;
}
