import { parseArgs } from 'node:util';
import { diaryCsv, getDiary } from '../services/pain/diary.js';
import { RunnerPatchBody, updateRunnerSettings } from '../services/pain/settings.js';
import { requireRunner } from '../services/runners.js';
import { parseInput } from '../http/validate.js';
import type { CliCommand } from './commands.js';
import { parseReportArgs } from './report-args.js';

/** `stridesync runners update --runner ID [--name] [--timezone] [--email|--no-email] [--morning HH:MM] [--quiet HH:MM-HH:MM] [--rest-day-check on|off]` */
export const runnersUpdateCommand: CliCommand = {
  usage:
    'runners update --runner ID [--name N] [--timezone TZ] [--email ADDR|--no-email] [--morning HH:MM] [--quiet HH:MM-HH:MM] [--rest-day-check on|off] [--json]',
  takesSub: true,
  matches: (cmd, sub) => cmd === 'runners' && sub === 'update',
  async run(deps, args, io) {
    const { values } = parseArgs({
      args,
      options: {
        runner: { type: 'string' },
        name: { type: 'string' },
        timezone: { type: 'string' },
        email: { type: 'string' },
        'no-email': { type: 'boolean' },
        morning: { type: 'string' },
        quiet: { type: 'string' },
        'rest-day-check': { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: true,
    });
    if (!values.runner) {
      io.err('runners update needs --runner ID');
      return 2;
    }
    let quietHours: { start: string; end: string } | undefined;
    if (values.quiet !== undefined) {
      const m = /^(\d\d:\d\d)-(\d\d:\d\d)$/.exec(values.quiet);
      if (!m) {
        io.err('runners update: --quiet must look like 22:00-07:00');
        return 2;
      }
      quietHours = { start: m[1]!, end: m[2]! };
    }
    const rest = values['rest-day-check'];
    if (rest !== undefined && rest !== 'on' && rest !== 'off') {
      io.err('runners update: --rest-day-check must be on or off');
      return 2;
    }
    const patch = parseInput(RunnerPatchBody, {
      name: values.name,
      timezone: values.timezone,
      email: values['no-email'] ? null : values.email,
      morningPromptTime: values.morning,
      quietHours,
      restDayCheck: rest === undefined ? undefined : rest === 'on',
    });
    const view = await updateRunnerSettings(deps, values.runner, patch);
    if (values.json) io.out(JSON.stringify(view));
    else
      io.out(
        `${view.name} (${view.id}): ${view.timezone}, e-mail ${view.email ?? 'none'}, morning prompt ${view.prompts.morningPromptTime}, quiet ${view.prompts.quietHours.start}–${view.prompts.quietHours.end}, rest-day check ${view.prompts.restDayCheck ? 'on' : 'off'}`,
      );
    return 0;
  },
};

/** `stridesync report diary --runner ID [--format json|csv] [--from DATE] [--to DATE]` */
export const reportDiaryCommand: CliCommand = {
  usage: 'report diary --runner ID [--format json|csv] [--from DATE] [--to DATE]   one row per run: pain, settle time, next morning, light',
  takesSub: true,
  matches: (cmd, sub) => cmd === 'report' && sub === 'diary',
  async run(deps, args, io) {
    const a = parseReportArgs('report diary', args, io, { format: true });
    if (!a) return 2;
    const runner = await requireRunner(deps, a.runner);
    const rows = await getDiary(deps, runner.id, { from: a.from, to: a.to });
    if (a.format === 'csv') io.out(diaryCsv(rows).trimEnd());
    else io.out(JSON.stringify({ runnerId: runner.id, rows }, null, 2));
    return 0;
  },
};
