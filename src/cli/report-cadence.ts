import { parseArgs } from 'node:util';
import { cadenceReportCsv } from '../domain/reports/cadence.js';
import { getCadenceReport } from '../services/cadence/index.js';
import type { CliCommand } from './commands.js';

export const reportCadenceCommand: CliCommand = {
  usage: 'report cadence --runner ID [--format json|csv] [--from DATE] [--to DATE]   cadence goal and per-run cadence',
  takesSub: true,
  matches: (cmd, sub) => cmd === 'report' && sub === 'cadence',
  async run(deps, args, io) {
    const { values } = parseArgs({ args, options: { runner: { type: 'string' }, format: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } }, strict: true });
    if (!values.runner) {
      io.err('report cadence needs --runner ID');
      return 2;
    }
    const format = values.format ?? 'json';
    if (format !== 'json' && format !== 'csv') {
      io.err(`report cadence: --format must be json or csv, not "${format}"`);
      return 2;
    }
    for (const [name, v] of [['from', values.from], ['to', values.to]] as const) {
      if (v !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(v)) {
        io.err(`report cadence: --${name} must be a date YYYY-MM-DD`);
        return 2;
      }
    }
    const report = await getCadenceReport(deps, values.runner, { from: values.from, to: values.to });
    if (format === 'csv') io.out(cadenceReportCsv(report).trimEnd());
    else io.out(JSON.stringify(report, null, 2));
    return 0;
  },
};
