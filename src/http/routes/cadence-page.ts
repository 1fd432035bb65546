/**
 * The cadence-trend report page: header with the goal and a status badge, the baseline box, the chart
 * with its data table, the numbers, the pain overlay, the load context, data-quality notes and the
 * next step (docs/cadence.md). `renderCadenceReportBody` is the page body without the shell, so other
 * pages (the runner's own cadence page, a share link) can show the same report.
 */
import type { CadenceReport, CadenceReportGoal } from '../../domain/reports/cadence.js';
import { renderCadenceChart, renderCadenceTable, paceText } from '../pages/cadence-chart.js';
import { html, raw, type SafeHtml } from '../pages/html.js';
import { renderPage } from '../pages/layout.js';

const BADGE_CLASS: Record<CadenceReportGoal['status'], string> = {
  on_target: 'light-green',
  progressing: 'light-green',
  not_started: 'light-none',
  collecting_baseline: 'light-none',
  slipping: 'light-amber',
  paused: 'light-red',
};

const num = (v: number | null, unit = '', digits = 1) => (v === null ? '–' : `${v.toFixed(digits)}${unit}`);
const signed = (v: number | null, unit: string) => (v === null ? '–' : `${v > 0 ? '+' : ''}${v.toFixed(1)}${unit}`);

function goalHeader(g: CadenceReportGoal): SafeHtml {
  const goalText =
    g.baselineSpm !== null && g.targetSpm !== null
      ? `${g.baselineSpm} → ${g.targetSpm} spm (+${g.targetPct} %)`
      : g.targetSpm !== null
        ? `target ${g.targetSpm} spm`
        : `+${g.targetPct ?? 5} % over your baseline`;
  return html`<section class="card" aria-labelledby="goal-h">
<h2 id="goal-h">Goal: ${goalText}</h2>
<p>Started ${g.startDate}${g.daysActive > 0 ? `, ${g.daysActive} days active` : ''}. Status: <span class="light ${BADGE_CLASS[g.status]}" id="status-badge" data-status="${g.status}">${g.statusLabel}</span></p>
</section>`;
}

function baselineBox(g: CadenceReportGoal): SafeHtml {
  const b = g.baseline;
  if (b.spm === null) {
    return html`<section class="card" aria-labelledby="baseline-h"><h2 id="baseline-h">Baseline</h2>
<p>${b.collecting?.message ?? 'collecting baseline'}: qualifying runs (10 min or more of running with cadence, not races or workouts) between ${b.from} and ${b.to}.</p></section>`;
  }
  return html`<section class="card" aria-labelledby="baseline-h"><h2 id="baseline-h">Baseline</h2>
<dl class="stats">
<div><dt>Baseline</dt><dd>${num(b.spm, ' spm')}</dd></div>
<div><dt>Runs used</dt><dd>${b.source === 'given' ? `set with the goal (${b.runs} runs seen)` : String(b.runs)}</dd></div>
<div><dt>Dates</dt><dd>${b.firstRunDate ?? b.from} – ${b.lastRunDate ?? b.to}</dd></div>
<div><dt>Baseline pace</dt><dd>${b.paceSPerKm === null ? '–' : `${paceText(b.paceSPerKm)} /km`}</dd></div>
<div><dt>Speed slope</dt><dd>${num(b.slopeSpmPerMps, ' spm per m/s')} (${b.slopeSource === 'own' ? 'your own' : 'default'})</dd></div>
<div><dt>Frozen</dt><dd>${b.frozen ? 'yes, for this goal' : 'not yet (the goal has not started)'}</dd></div>
</dl></section>`;
}

function numbers(g: CadenceReportGoal): SafeHtml {
  return html`<section aria-labelledby="numbers-h"><h2 id="numbers-h">Numbers</h2>
<dl class="stats" id="cadence-numbers">
<div><dt>Current (last 3 runs)</dt><dd id="current-spm">${num(g.currentSpm, ' spm')}</dd></div>
<div><dt>Progress</dt><dd id="progress-pct">${num(g.progressPct, ' %', 0)}</dd></div>
<div><dt>Trend (28 days)</dt><dd id="trend">${signed(g.trendSpmPerWeek, ' spm/week')}</dd></div>
<div><dt>Time in band (7 days)</dt><dd id="time-in-band">${num(g.timeInBandPct, ' %', 0)}</dd></div>
<div><dt>Runs on target</dt><dd id="runs-on-target">${g.runsOnTarget} / ${g.runsSinceStart}</dd></div>
</dl>
<p class="hint">Speed-matched: each run's cadence corrected to your baseline pace, so a faster run does not look like progress. In band: running time at or above ${g.bandFloorSpm ?? '–'} spm (target − 2 %).</p></section>`;
}

function painOverlay(report: CadenceReport): SafeHtml {
  const since = report.runs.filter((r) => r.sinceStart && r.painLight !== null);
  const counts = { green: 0, amber: 0, red: 0, grey: 0 };
  for (const r of since) counts[r.painLight!] += 1;
  const calf = report.runs.filter((r) => r.calfPain !== null);
  return html`<section aria-labelledby="pain-h"><h2 id="pain-h">Pain alongside cadence</h2>
<p>Since the start: ${counts.green} green, ${counts.amber} amber, ${counts.red} red${counts.grey ? `, ${counts.grey} unanswered` : ''}. ${calf.length > 0 ? `Calf pain recorded on ${calf.length} run${calf.length === 1 ? '' : 's'} (highest ${Math.max(...calf.map((r) => r.calfPain!))}/10).` : 'No calf pain recorded.'}</p>
<p class="hint">The dots' shapes show each run's knee light (table below). This shows whether pain changed as cadence rose; it does not say one caused the other.</p></section>`;
}

function loadContext(report: CadenceReport): SafeHtml {
  const last = report.weeks.slice(-6);
  return html`<section aria-labelledby="load-h"><h2 id="load-h">Load context</h2>
<div class="table-wrap"><table><caption>Weekly distance and descent (last ${last.length} weeks shown; bars under the chart)</caption>
<thead><tr><th scope="col">Week</th><th scope="col" class="num">Runs</th><th scope="col" class="num">km</th><th scope="col" class="num">Descent m</th></tr></thead>
<tbody>${last.map((w) => html`<tr><th scope="row">${w.week}</th><td class="num">${w.runs}</td><td class="num">${(w.distanceM / 1000).toFixed(1)}</td><td class="num">${w.elevationLossM}</td></tr>`)}</tbody></table></div>
<p class="hint">Change one thing at a time: while the cadence goal is in its first 2 weeks, keep distance, pace and hills steady.</p></section>`;
}

/** The report's sections (no page shell). */
export function renderCadenceReportBody(report: CadenceReport): SafeHtml {
  const g = report.goal;
  return html`${g ? goalHeader(g) : html`<p class="notice">No cadence goal is set. The chart shows your measured step rate per run.</p>`}
${g ? baselineBox(g) : ''}
<section aria-labelledby="chart-h"><h2 id="chart-h">Step rate per run</h2>
<figure class="chart">${raw(renderCadenceChart(report))}
<figcaption class="small muted">Dots: speed-matched step rate per run (circle green, triangle amber, square red, ring no answer). Line: median of the last 7 runs. Dashed: baseline; solid with band: target ± 1 spm. Bars: weekly distance (blue) and descent (brown).</figcaption></figure>
<details><summary>Chart data as a table</summary>${renderCadenceTable(report)}</details></section>
${g ? numbers(g) : ''}
${g ? painOverlay(report) : ''}
${loadContext(report)}
<section aria-labelledby="quality-h"><h2 id="quality-h">Data quality</h2><ul id="data-quality">${report.dataQuality.notes.map((n) => html`<li>${n}</li>`)}</ul></section>
${g ? html`<section class="card" aria-labelledby="next-h"><h2 id="next-h">Next step</h2><p id="next-step" data-action="${g.nextStep.action}">${g.nextStep.message}</p></section>` : ''}`;
}

/** The whole page. */
export function renderCadenceReportPage(report: CadenceReport, runner: { name: string }): string {
  return renderPage({ title: 'Cadence report', body: renderCadenceReportBody(report), runner, nav: [] });
}
