import { formatPace } from '../../domain/messages.js';
import { html } from './html.js';
import { day, duration, km, lightBadge, metres, sourceTag } from './fragments.js';
import type { DiaryRow } from './diary-data.js';

const n = (v: number | null, unit = '') => (v == null ? '—' : `${v}${unit}`);

/** The diary table (one row per run). `editable` adds the "Edit pain answers" link of the runner's own page. */
export function diaryTable(rows: readonly DiaryRow[], opts: { editable: boolean; caption: string }) {
  if (!rows.length) return html`<p>No runs in this period.</p>`;
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label="${opts.caption}"><table>
<caption>${opts.caption}</caption>
<thead><tr><th scope="col">Date</th><th scope="col" class="num">Distance (km)</th><th scope="col" class="num">Time</th><th scope="col" class="num">Pace (min/km)</th><th scope="col" class="num">Descent (m)</th><th scope="col" class="num">Cadence (steps/min)</th><th scope="col" class="num">Pain during (0–10)</th><th scope="col" class="num">Settled after (min)</th><th scope="col" class="num">Next morning (0–10)</th><th scope="col">Light</th><th scope="col">Note</th>${opts.editable ? html`<th scope="col">Change</th>` : ''}</tr></thead>
<tbody>${rows.map(
    (r) => html`<tr><th scope="row">${day(r.localDate)}<br>${sourceTag(r.source, r.externalId, r.expired && opts.editable)}</th>
<td class="num">${km(r.distanceM)}</td><td class="num">${duration(r.movingTimeS)}</td><td class="num">${r.paceSPerKm == null ? '—' : formatPace(r.paceSPerKm)}</td>
<td class="num">${metres(r.elevationLossM)}</td><td class="num">${r.cadenceSpm == null ? '—' : Math.round(r.cadenceSpm)}</td>
<td class="num">${n(r.duringRun)}</td><td class="num">${n(r.settledAfterMin)}</td><td class="num">${n(r.nextMorning)}${r.nextMorningVsYesterday ? ` (${r.nextMorningVsYesterday})` : ''}</td>
<td>${lightBadge(r.light)}</td><td>${r.note ?? ''}</td>${opts.editable ? html`<td><a href="/diary/${r.activityId}">Edit pain answers<span class="visually-hidden"> for ${day(r.localDate)}</span></a></td>` : ''}</tr>`,
  )}</tbody></table></div>`;
}
