import type { AppDeps } from '../../deps.js';
import type { CadenceReport } from '../../domain/reports/cadence.js';
import { getCadenceReport } from '../../services/cadence/index.js';
import { renderCadenceChart, renderCadenceTable } from './cadence-chart.js';
import { html, raw } from './html.js';

/** The cadence goal summary, chart and data table as the runner's page and the share page show them. */
export function cadenceSummary(report: CadenceReport) {
  const g = report.goal;
  if (!g) return html`<p>No cadence goal is set.</p>`;
  const spm = (v: number | null) => (v == null ? '—' : `${Math.round(v * 10) / 10} steps/min`);
  return html`<dl class="stats">
<div><dt>Status</dt><dd>${g.statusLabel}</dd></div>
<div><dt>Baseline</dt><dd>${spm(g.baselineSpm)}</dd></div>
<div><dt>Target</dt><dd>${spm(g.targetSpm)}${g.targetPct != null ? ` (+${g.targetPct} %)` : ''}</dd></div>
<div><dt>Now (speed-matched)</dt><dd>${spm(g.currentSpm)}</dd></div>
<div><dt>Progress</dt><dd>${g.progressPct == null ? '—' : `${Math.round(g.progressPct)} %`}</dd></div>
<div><dt>Trend</dt><dd>${g.trendSpmPerWeek == null ? '—' : `${g.trendSpmPerWeek > 0 ? '+' : ''}${g.trendSpmPerWeek.toFixed(1)} steps/min per week`}</dd></div>
</dl>
${g.baseline.collecting ? html`<p class="notice">${g.baseline.collecting.message}</p>` : ''}
${g.paused ? html`<p class="warning">Paused: calf or knee pain. Hold your current step rate until it settles.</p>` : ''}
<p><strong>Next step:</strong> ${g.nextStep.message}</p>`;
}

export function cadenceChartBlock(report: CadenceReport) {
  return html`<figure class="chart">${raw(renderCadenceChart(report))}<figcaption class="small muted">Dots: one per run, speed-matched step rate, coloured by knee light. Lines: baseline, target and the 7-run median. Bars: weekly distance and descent.</figcaption></figure>
<details><summary>The numbers as a table</summary>${renderCadenceTable(report)}</details>`;
}

export async function cadenceSection(deps: AppDeps, runnerId: string) {
  const report = await getCadenceReport(deps, runnerId);
  return html`${cadenceSummary(report)}${cadenceChartBlock(report)}`;
}
