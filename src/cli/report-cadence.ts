import { cadenceReportCsv } from '../domain/reports/cadence.js';
import { getCadenceReport } from '../services/cadence/index.js';
import type { CliCommand } from './commands.js';
import { parseReportArgs } from './report-args.js';

export const reportCadenceCommand: CliCommand = {
  usage: 'report cadence --runner ID [--format json|csv] [--from DATE] [--to DATE]   cadence goal and per-run cadence',
  takesSub: true,
  matches: (cmd, sub) => cmd === 'report' && sub === 'cadence',
  async run(deps, args, io) {
    const a = parseReportArgs('report cadence', args, io, { format: true });
    if (!a) return 2;
    const report = await getCadenceReport(deps, a.runner, { from: a.from, to: a.to });
    if (a.format === 'csv') io.out(cadenceReportCsv(report).trimEnd());
    else io.out(JSON.stringify(report, null, 2));
    return 0;
  },
};
