import { describe, expect, it } from 'vitest';
import { buildCadenceReport, type CadenceReportRun } from '../../domain/reports/cadence.js';
import { buildCadenceReportRun } from '../../../test/factories/cadence-run.js';
import { CHART, renderCadenceChart, renderCadenceTable, xOf, yOf, yRange } from './cadence-chart.js';

/** A report run as the chart sees it: 6 km with 40 m of descent (the shared factory's run otherwise). */
function run(localDate: string, spm: number, over: Partial<CadenceReportRun> = {}): CadenceReportRun {
  return buildCadenceReportRun(localDate, spm, { histogram: { min: spm, counts: [1800] }, distanceM: 6000, elevationLossM: 40, ...over });
}

const runs = [
  run('2026-02-12', 158),
  run('2026-02-19', 160),
  run('2026-02-26', 162),
  run('2026-03-03', 163),
  run('2026-03-05', 165),
  run('2026-03-08', 166),
  run('2026-03-10', 168),
  run('2026-03-11', 170, { runningTimeS: 300 }), // too short: no dot
];
const pain = new Map([
  [runs[3]!.activityId, { light: 'green' as const, painDuring: 1, calfPain: null, morningWorse: false }],
  [runs[4]!.activityId, { light: 'amber' as const, painDuring: 3, calfPain: null, morningWorse: false }],
  [runs[5]!.activityId, { light: 'red' as const, painDuring: 6, calfPain: 2, morningWorse: false }],
]);
const report = buildCadenceReport({
  runnerId: 'x',
  asOf: '2026-03-12',
  range: { from: '2026-02-09', to: '2026-03-12' },
  goal: { id: 'g', startDate: '2026-03-02', targetPct: 5, targetSpm: null, baseline: null },
  runs,
  pain,
});
const svg = renderCadenceChart(report);
const count = (re: RegExp) => (svg.match(re) ?? []).length;
const attr = (id: string, name: string) => Number(new RegExp(`id="${id}"[^>]*\\b${name}="([\\d.]+)"`).exec(svg)?.[1]);

describe('renderCadenceChart', () => {
  it('draws one dot per run with a speed-matched cadence, each carrying its activity id', () => {
    expect(count(/class="dot /g)).toBe(7);
    for (const r of runs.slice(0, 7)) expect(svg).toContain(`data-activity-id="${r.activityId}"`);
    expect(svg).not.toContain(`data-activity-id="${runs[7]!.activityId}"`);
  });

  it('uses a different shape per light, not only colour', () => {
    expect(count(/<circle class="dot light-green"/g)).toBe(1);
    expect(count(/<polygon class="dot light-amber"/g)).toBe(1);
    expect(count(/<rect class="dot light-red"/g)).toBe(1);
    expect(count(/<circle class="dot light-none"[^>]*stroke=/g)).toBe(4);
  });

  it('places the baseline and target lines at their cadence', () => {
    expect(report.goal).toMatchObject({ baselineSpm: 160, targetSpm: 168 });
    const range = yRange(report);
    expect(range).toEqual({ lo: 155, hi: 171 });
    expect(attr('baseline-line', 'y1')).toBeCloseTo(yOf(range, 160), 1);
    expect(attr('target-line', 'y1')).toBeCloseTo(yOf(range, 168), 1);
    expect(attr('target-line', 'y1')).toBeLessThan(attr('baseline-line', 'y1')); // higher cadence is higher up
    // the band spans target ± 1 spm
    expect(Math.abs(attr('target-band', 'height') - (yOf(range, 167) - yOf(range, 169)))).toBeLessThan(0.11); // drawn to 0.1 px
    expect(yOf(range, range.lo)).toBe(CHART.plotBottom);
    expect(yOf(range, range.hi)).toBe(CHART.top);
  });

  it('puts a dot at its date and speed-matched cadence', () => {
    const r = runs[6]!;
    const m = new RegExp(`cx="([\\d.]+)" cy="([\\d.]+)"`).exec(svg.slice(svg.indexOf(`data-activity-id="${r.activityId}"`)))!;
    expect(Number(m[1])).toBeCloseTo(xOf(report, '2026-03-10'), 1);
    expect(Number(m[2])).toBeCloseTo(yOf(yRange(report), 168), 1);
  });

  it('draws the rolling median, weekly distance and descent bars, and is accessible', () => {
    expect(svg).toMatch(/<polyline id="rolling-median" points="([\d.]+,[\d.]+ ){6}[\d.]+,[\d.]+"/);
    expect(count(/class="bar-distance"/g)).toBe(report.weeks.length);
    expect(count(/class="bar-descent"/g)).toBe(report.weeks.length);
    expect(report.weeks.length).toBe(5);
    expect(svg).toMatch(/^<svg [^>]*role="img" aria-labelledby="cadence-chart-title cadence-chart-desc"/);
    expect(svg).toContain('<title id="cadence-chart-title">');
    expect(svg).toMatch(/<desc id="cadence-chart-desc">7 runs with speed-matched cadence from 2026-02-09 to 2026-03-12\. Baseline 160 spm, target 168 spm/);
    expect(svg).not.toMatch(/style=/);
  });

  it('without a goal there are no baseline or target lines', () => {
    const plain = renderCadenceChart({ ...report, goal: null });
    expect(plain).not.toContain('id="baseline-line"');
    expect(plain).not.toContain('id="target-line"');
    expect((plain.match(/class="dot /g) ?? []).length).toBe(7);
  });
});

describe('renderCadenceTable', () => {
  it('has one row per run with its light in words', () => {
    const table = renderCadenceTable(report).value;
    expect((table.match(/<tr data-activity-id=/g) ?? []).length).toBe(8);
    expect(table).toContain('<span class="light light-amber">amber</span>');
    expect(table).toContain('– (too short)');
  });
});
