import { describeFlareUp, describeVariable, variableDef, type PainReport } from '../domain/pain/report.js';
import { getPainReport } from '../services/pain-report.js';
import { requireRunner } from '../services/runners.js';
import type { CliCommand } from './commands.js';
import { parseReportArgs } from './report-args.js';

function num(v: number | null, decimals: number): string {
  return v === null ? '–' : v.toFixed(decimals);
}

function pText(p: number | null): string {
  if (p === null) return '–';
  return p < 0.001 ? '<0.001' : p.toFixed(3);
}

/** The report as a plain-text table plus one sentence per variable and per flare-up. */
export function renderPainReport(report: PainReport, runnerName: string): string[] {
  const l = report.lights;
  const lines = [
    `Pain report for ${runnerName}: ${report.runs} runs, ${report.answered} answered (green ${l.green}, amber ${l.amber}, red ${l.red}, grey ${l.grey})`,
    '',
    `${'variable'.padEnd(30)}${'unit'.padEnd(6)}${'flare-ups'.padStart(14)}${'green'.padStart(14)}${'diff'.padStart(9)}${'p'.padStart(9)}  verdict`,
  ];
  for (const v of report.variables) {
    const def = variableDef(v.name);
    const d = def.decimals;
    const diff = v.difference === null ? '–' : `${v.difference > 0 ? '+' : ''}${v.difference.toFixed(d)}`;
    lines.push(
      `${def.label.slice(0, 29).padEnd(30)}${def.unit.padEnd(6)}${`${v.flareUps.n} × ${num(v.flareUps.median, d)}`.padStart(14)}${`${v.green.n} × ${num(v.green.median, d)}`.padStart(14)}${diff.padStart(9)}${pText(v.pValue).padStart(9)}  ${v.verdict}`,
    );
  }
  lines.push('', '(n × median per group; a flare-up is an amber or red run. The report shows what went together, not why.)', '');
  for (const v of report.variables) if (v.verdict === 'associated') lines.push(describeVariable(v));
  lines.push('', report.flareUps.length ? 'Flare-ups:' : 'No flare-ups in this range.');
  for (const f of report.flareUps) lines.push(`  ${describeFlareUp(f)}`);
  return lines;
}

export const reportPainCommand: CliCommand = {
  usage: 'report pain --runner ID [--from D] [--to D] [--json]  what went together with pain flare-ups',
  takesSub: true,
  matches: (cmd, sub) => cmd === 'report' && sub === 'pain',
  async run(deps, args, io) {
    const a = parseReportArgs('report pain', args, io, { json: true });
    if (!a) return 2;
    const runner = await requireRunner(deps, a.runner);
    const report = await getPainReport(deps, runner.id, { from: a.from, to: a.to });
    if (a.json) io.out(JSON.stringify(report, null, 2));
    else {
      for (const line of renderPainReport(report, runner.name)) io.out(line);
      if (report.note) io.out(report.note);
    }
    return 0;
  },
};
