import { parseArgs } from 'node:util';
import { listWeeks } from '../db/queries/weeks.js';
import { requireRunner } from '../services/runners.js';
import { weekViews } from '../services/week-view.js';
import type { CliCommand } from './commands.js';

export const reportWeeksCommand: CliCommand = {
  usage: 'report weeks --runner ID [--json]              weekly load, changes and warnings',
  takesSub: true,
  matches: (cmd, sub) => cmd === 'report' && sub === 'weeks',
  async run(deps, args, io) {
    const { values } = parseArgs({ args, options: { runner: { type: 'string' }, json: { type: 'boolean' }, limit: { type: 'string' } }, strict: true });
    if (!values.runner) {
      io.err('report weeks needs --runner ID');
      return 2;
    }
    const runner = await requireRunner(deps, values.runner);
    const views = await weekViews(deps.db, runner.id, await listWeeks(deps.db, runner.id, { limit: Number(values.limit ?? 52) }));
    if (values.json) {
      io.out(JSON.stringify({ runnerId: runner.id, weeks: views }, null, 2));
      return 0;
    }
    // The week's cadence is the median running cadence of its qualifying runs (walking excluded).
    io.out('week      start       runs   km     Δkm%   hours  loss m  run spm  changed / warnings');
    for (const w of [...views].reverse()) {
      const v = w.variables;
      const c = w.changePct;
      const pct = c.distanceM == null ? '' : `${c.distanceM > 0 ? '+' : ''}${c.distanceM.toFixed(0)}`;
      io.out(
        [
          w.week.padEnd(9),
          w.start,
          String(v.runs).padStart(4),
          (v.distanceM / 1000).toFixed(1).padStart(6),
          pct.padStart(6),
          (v.movingTimeS / 3600).toFixed(1).padStart(6),
          v.elevationLossM.toFixed(0).padStart(7),
          (v.avgCadenceSpm?.toFixed(0) ?? '').padStart(7),
          `  ${[w.changed.join(','), ...w.warnings.map((x) => x.code)].filter(Boolean).join(' | ')}`,
        ].join(' '),
      );
      for (const x of w.warnings) io.out(`          ${x.message}`);
    }
    return 0;
  },
};
