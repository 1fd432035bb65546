import { formatDay, formatDuration } from '../../domain/messages.js';
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
