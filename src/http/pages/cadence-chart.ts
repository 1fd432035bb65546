/**
 * The cadence chart as server-rendered SVG (pure: report in, markup out), so it works with JavaScript
 * off and needs no CDN. Per-run speed-matched cadence dots shaped and coloured by the pain light, the
 * 7-run rolling median, baseline and target lines with the ±1 spm tolerance band at target, and weekly
 * distance and descent bars beneath. Accessible: role="img" with a <title> and <desc>, and a data table
 * (`renderCadenceTable`) to show next to it. Stable ids and classes for tests and styling:
 * `.dot[data-activity-id]`, `#baseline-line`, `#target-line`, `#target-band`, `#rolling-median`,
 * `.bar-distance`, `.bar-descent`. Only presentation attributes (no style attributes), so a strict
 * Content-Security-Policy allows it.
 */
import type { CadenceReport, CadenceReportRow } from '../../domain/reports/cadence.js';
import { escapeHtml, html, type SafeHtml } from './html.js';

export const CHART = Object.freeze({
  width: 520,
  height: 400,
  left: 40,
  right: 12,
  top: 28,
  /** bottom of the cadence plot */
  plotBottom: 250,
  /** weekly bars */
  barsTop: 282,
  barsBottom: 372,
});

type Light = 'green' | 'amber' | 'red' | 'none';
const COLOURS: Record<Light, string> = { green: '#1e7a34', amber: '#8a5a00', red: '#b3261e', none: '#5f6b76' };
const LIGHT_WORDS: Record<Light, string> = { green: 'green', amber: 'amber', red: 'red', none: 'no light' };

const f1 = (x: number) => (Math.round(x * 10) / 10).toString();
const lightOf = (r: CadenceReportRow): Light => (r.painLight === 'green' || r.painLight === 'amber' || r.painLight === 'red' ? r.painLight : 'none');

/** Day number of a 'YYYY-MM-DD' date (days since 1970-01-01), without a regular expression: the chart calls it per dot. */
function dayNumber(localDate: string): number {
  return Date.UTC(+localDate.slice(0, 4), +localDate.slice(5, 7) - 1, +localDate.slice(8, 10)) / 86_400_000;
}

/** The x position of a local date in the report's range (a function of the date, made once per chart). */
export function xScale(report: Pick<CadenceReport, 'from' | 'to'>): (localDate: string) => number {
  const from = dayNumber(report.from);
  const span = Math.max(1, dayNumber(report.to) - from);
  const w = CHART.width - CHART.left - CHART.right;
  return (localDate) => CHART.left + (w * (dayNumber(localDate) - from)) / span;
}

/** The x position of a local date in the report's range. */
export function xOf(report: Pick<CadenceReport, 'from' | 'to'>, localDate: string): number {
  return xScale(report)(localDate);
}

/** The cadence (spm) range shown: every dot, the baseline and the target, with 3 spm of margin. */
export function yRange(report: CadenceReport): { lo: number; hi: number } {
  const values = report.runs.map((r) => r.adjustedCadenceSpm).filter((v): v is number => v !== null);
  for (const v of [report.goal?.baselineSpm, report.goal?.targetSpm]) if (typeof v === 'number') values.push(v);
  if (values.length === 0) return { lo: 150, hi: 190 };
  return { lo: Math.floor(Math.min(...values) - 3), hi: Math.ceil(Math.max(...values) + 3) };
}

/** The y position of a cadence value. */
export function yOf(range: { lo: number; hi: number }, spm: number): number {
  return CHART.plotBottom - ((CHART.plotBottom - CHART.top) * (spm - range.lo)) / Math.max(1, range.hi - range.lo);
}

/** Shapes differ by light so colour is not the only cue: circle green, triangle amber, square red, ring none. */
function dotShape(light: Light, x: number, y: number, attrs: string, title: string): string {
  const c = COLOURS[light];
  const t = `<title>${escapeHtml(title)}</title>`;
  switch (light) {
    case 'green':
      return `<circle ${attrs} cx="${f1(x)}" cy="${f1(y)}" r="4.5" fill="${c}">${t}</circle>`;
    case 'amber':
      return `<polygon ${attrs} points="${f1(x)},${f1(y - 5.5)} ${f1(x + 5)},${f1(y + 4)} ${f1(x - 5)},${f1(y + 4)}" fill="${c}">${t}</polygon>`;
    case 'red':
      return `<rect ${attrs} x="${f1(x - 4.5)}" y="${f1(y - 4.5)}" width="9" height="9" fill="${c}">${t}</rect>`;
    default:
      return `<circle ${attrs} cx="${f1(x)}" cy="${f1(y)}" r="4" fill="#fff" stroke="${c}" stroke-width="2">${t}</circle>`;
  }
}

function describe(report: CadenceReport, dots: number): string {
  const g = report.goal;
  const parts = [`${dots} run${dots === 1 ? '' : 's'} with speed-matched cadence from ${report.from} to ${report.to}.`];
  if (g && g.baselineSpm !== null && g.targetSpm !== null) {
    parts.push(`Baseline ${f1(g.baselineSpm)} spm, target ${g.targetSpm} spm (+${g.targetPct} %).`);
    if (g.currentSpm !== null) parts.push(`Current (median of the last 3 runs) ${f1(g.currentSpm)} spm, status ${g.statusLabel}.`);
    if (g.trendSpmPerWeek !== null) parts.push(`Trend ${g.trendSpmPerWeek > 0 ? '+' : ''}${f1(g.trendSpmPerWeek)} spm per week over the last 28 days.`);
  } else if (g) parts.push(`Status: ${g.statusLabel}.`);
  parts.push('Dot shape shows the pain light: circle green, triangle amber, square red, ring no answer. Bars beneath: weekly distance and descent.');
  return parts.join(' ');
}

/** The chart's SVG markup. */
export function renderCadenceChart(report: CadenceReport): string {
  const { width, height, left, right, top, plotBottom, barsTop, barsBottom } = CHART;
  const range = yRange(report);
  const x = xScale(report);
  const dots = report.runs.filter((r) => r.adjustedCadenceSpm !== null);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="cadence-chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="cadence-chart-title cadence-chart-desc">`,
  );
  out.push(`<title id="cadence-chart-title">Step rate per run, speed-matched</title>`);
  out.push(`<desc id="cadence-chart-desc">${escapeHtml(describe(report, dots.length))}</desc>`);
  out.push(`<rect x="${left}" y="${top}" width="${width - left - right}" height="${plotBottom - top}" fill="#f7f9fb" stroke="#d5dbe1"/>`);

  // y grid and labels
  const step = range.hi - range.lo > 40 ? 10 : 5;
  for (let v = Math.ceil(range.lo / step) * step; v <= range.hi; v += step) {
    const y = f1(yOf(range, v));
    out.push(`<line class="grid" x1="${left}" x2="${width - right}" y1="${y}" y2="${y}" stroke="#e3e8ed"/>`);
    out.push(`<text x="${left - 6}" y="${y}" dy="4" text-anchor="end" font-size="14" fill="#4a5560">${v}</text>`);
  }
  out.push(`<text x="${left}" y="${top - 10}" font-size="14" fill="#4a5560">steps/min</text>`);

  const g = report.goal;
  if (g && g.targetSpm !== null) {
    const yHi = yOf(range, g.targetSpm + 1),
      yLo = yOf(range, g.targetSpm - 1);
    out.push(
      `<rect id="target-band" x="${left}" y="${f1(yHi)}" width="${width - left - right}" height="${f1(yLo - yHi)}" fill="#1e7a34" fill-opacity="0.12"><title>target ${g.targetSpm} ± 1 spm</title></rect>`,
    );
    const y = f1(yOf(range, g.targetSpm));
    out.push(`<line id="target-line" data-spm="${g.targetSpm}" x1="${left}" x2="${width - right}" y1="${y}" y2="${y}" stroke="#1e7a34" stroke-width="2"/>`);
    out.push(`<text x="${width - right - 4}" y="${y}" dy="-5" text-anchor="end" font-size="14" fill="#1e7a34">target ${g.targetSpm}</text>`);
  }
  if (g && g.baselineSpm !== null) {
    const y = f1(yOf(range, g.baselineSpm));
    out.push(
      `<line id="baseline-line" data-spm="${g.baselineSpm}" x1="${left}" x2="${width - right}" y1="${y}" y2="${y}" stroke="#4a5560" stroke-width="2" stroke-dasharray="6 4"/>`,
    );
    out.push(`<text x="${width - right - 4}" y="${y}" dy="13" text-anchor="end" font-size="14" fill="#4a5560">baseline ${f1(g.baselineSpm)}</text>`);
  }
  if (g && g.startDate >= report.from && g.startDate <= report.to) {
    const xs = f1(x(g.startDate));
    out.push(`<line id="start-line" x1="${xs}" x2="${xs}" y1="${top}" y2="${plotBottom}" stroke="#1d4f91" stroke-dasharray="2 3"/>`);
    out.push(`<text x="${xs}" y="${top - 10}" text-anchor="middle" font-size="14" fill="#1d4f91">start</text>`);
  }

  const rolling = dots.filter((r) => r.rollingMedianSpm !== null).map((r) => `${f1(x(r.localDate))},${f1(yOf(range, r.rollingMedianSpm!))}`);
  if (rolling.length > 1) out.push(`<polyline id="rolling-median" points="${rolling.join(' ')}" fill="none" stroke="#1d4f91" stroke-width="2"/>`);

  out.push('<g class="dots">');
  for (const r of dots) {
    const light = lightOf(r);
    const title = `${r.localDate}: ${f1(r.adjustedCadenceSpm!)} spm speed-matched (${r.runCadenceSpm === null ? '–' : f1(r.runCadenceSpm)} measured), ${LIGHT_WORDS[light]}`;
    const attrs = `class="dot light-${light}" data-activity-id="${escapeHtml(r.activityId)}" data-date="${r.localDate}" data-spm="${r.adjustedCadenceSpm}" data-light="${light}"`;
    out.push(dotShape(light, x(r.localDate), yOf(range, r.adjustedCadenceSpm!), attrs, title));
  }
  out.push('</g>');

  // weekly distance (left half of each week's slot) and descent (right half) bars
  const maxKm = Math.max(1, ...report.weeks.map((w) => w.distanceM / 1000));
  const maxLoss = Math.max(1, ...report.weeks.map((w) => w.elevationLossM));
  const slot = Math.max(2, ((width - left - right) * 7) / Math.max(7, dayNumber(report.to) - dayNumber(report.from) + 1));
  const barW = Math.max(1, slot / 2 - 1);
  const barH = barsBottom - barsTop;
  out.push(
    `<text x="${left}" y="${barsTop - 8}" font-size="14" fill="#4a5560">weekly distance (km, max ${f1(maxKm)}) and descent (m, max ${Math.round(maxLoss)})</text>`,
  );
  out.push(`<line x1="${left}" x2="${width - right}" y1="${barsBottom}" y2="${barsBottom}" stroke="#d5dbe1"/>`);
  for (const w of report.weeks) {
    const x0 = Math.min(width - right - 2 * barW - 1, Math.max(left, x(w.start)));
    const hd = (barH * w.distanceM) / 1000 / maxKm;
    const hl = (barH * w.elevationLossM) / maxLoss;
    out.push(
      `<rect class="bar-distance" data-week="${w.week}" data-distance-m="${w.distanceM}" x="${f1(x0)}" y="${f1(barsBottom - hd)}" width="${f1(barW)}" height="${f1(hd)}" fill="#1d4f91"><title>${w.week}: ${f1(w.distanceM / 1000)} km</title></rect>`,
    );
    out.push(
      `<rect class="bar-descent" data-week="${w.week}" data-loss-m="${w.elevationLossM}" x="${f1(x0 + barW + 1)}" y="${f1(barsBottom - hl)}" width="${f1(barW)}" height="${f1(hl)}" fill="#8a5a00"><title>${w.week}: ${w.elevationLossM} m descent</title></rect>`,
    );
  }
  out.push(`<text x="${left}" y="${height - 8}" font-size="14" fill="#4a5560">${report.from}</text>`);
  out.push(`<text x="${width - right}" y="${height - 8}" text-anchor="end" font-size="14" fill="#4a5560">${report.to}</text>`);
  out.push('</svg>');
  return out.join('');
}

/** The chart's data as a table (the accessible fallback shown next to the chart). */
export function renderCadenceTable(report: CadenceReport): SafeHtml {
  const rows = report.runs.filter((r) => r.runCadenceSpm !== null || r.excludedReason !== null);
  return html`<div class="table-wrap"><table class="cadence-table" id="cadence-data">
<caption>Runs from ${report.from} to ${report.to}</caption>
<thead><tr><th scope="col">Date</th><th scope="col" class="num">Speed-matched spm</th><th scope="col" class="num">Measured spm</th><th scope="col" class="num">Pace /km</th><th scope="col" class="num">Time in band</th><th scope="col">Knee light</th><th scope="col" class="num">Calf pain</th></tr></thead>
<tbody>${rows.map(
    (r) =>
      html`<tr data-activity-id="${r.activityId}"><th scope="row">${r.localDate}</th><td class="num">${r.adjustedCadenceSpm ?? (r.excludedReason ? `– (${r.excludedReason.replace(/_/g, ' ')})` : '–')}</td><td class="num">${r.runCadenceSpm ?? '–'}</td><td class="num">${r.paceSPerKm === null ? '–' : paceText(r.paceSPerKm)}</td><td class="num">${r.timeInBandPct === null ? '–' : `${Math.round(r.timeInBandPct)} %`}</td><td><span class="light light-${lightOf(r)}">${LIGHT_WORDS[lightOf(r)]}</span></td><td class="num">${r.calfPain ?? '–'}</td></tr>`,
  )}</tbody>
</table></div>`;
}

export function paceText(sPerKm: number): string {
  const s = Math.round(sPerKm);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
