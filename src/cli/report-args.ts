import { parseArgs } from 'node:util';
import { LocalDate } from '../http/schemas.js';
import type { CliIo } from './commands.js';

/** The options every `stridesync report …` command shares. */
export interface ReportArgs {
  runner: string;
  /** `--format json|csv` (json when not given; only for commands that take `format`) */
  format: 'json' | 'csv';
  /** `--json` (only for commands that take `json`) */
  json: boolean;
  from: string | undefined;
  to: string | undefined;
}

/**
 * Parses `--runner ID [--from DATE] [--to DATE]` plus `--format json|csv` or `--json` for the report
 * command `name` (e.g. "report cadence"). A missing runner, an unknown format or a date that is not a
 * calendar date YYYY-MM-DD is printed to stderr and gives null: the command then exits with 2.
 * Unknown options throw (strict parsing), as before.
 */
export function parseReportArgs(name: string, args: string[], io: CliIo, takes: { format?: boolean; json?: boolean } = {}): ReportArgs | null {
  const { values } = parseArgs({
    args,
    options: {
      runner: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      ...(takes.format ? { format: { type: 'string' as const } } : {}),
      ...(takes.json ? { json: { type: 'boolean' as const } } : {}),
    },
    strict: true,
  });
  const v = values as { runner?: string; from?: string; to?: string; format?: string; json?: boolean };
  if (!v.runner) {
    io.err(`${name} needs --runner ID`);
    return null;
  }
  const format = v.format ?? 'json';
  if (format !== 'json' && format !== 'csv') {
    io.err(`${name}: --format must be json or csv, not "${format}"`);
    return null;
  }
  for (const [option, date] of [
    ['from', v.from],
    ['to', v.to],
  ] as const) {
    if (date !== undefined && !LocalDate.safeParse(date).success) {
      io.err(`${name}: --${option} must be a date YYYY-MM-DD`);
      return null;
    }
  }
  return { runner: v.runner, format, json: v.json ?? false, from: v.from, to: v.to };
}
