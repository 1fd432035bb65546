#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { loadEnvOrExit, prepareDatabase } from '../bootstrap.js';
import { closeDeps, createDeps, type AppDeps } from '../deps.js';
import { AppError } from '../lib/errors.js';
import { createLogger } from '../lib/logger.js';
import { createRunner } from '../services/runners.js';
import type { CliCommand, CliIo } from './commands.js';
import { runnersDeleteCommand } from './erase.js';
import { importCommand } from './import.js';
import { jobsFailedCommand, jobsRetryCommand } from './jobs.js';
import { reportWeeksCommand } from './report.js';
import { reportPainCommand } from './report-pain.js';
import { reportCadenceCommand } from './report-cadence.js';
import { reportDiaryCommand, runnersUpdateCommand } from './pain.js';
import { keysCreateCommand, keysListCommand, keysRevokeCommand } from './keys.js';

const COMMANDS: CliCommand[] = [
  importCommand,
  reportWeeksCommand,
  reportPainCommand,
  reportCadenceCommand,
  runnersUpdateCommand,
  runnersDeleteCommand,
  reportDiaryCommand,
  jobsFailedCommand,
  jobsRetryCommand,
  keysCreateCommand,
  keysListCommand,
  keysRevokeCommand,
];

const USAGE = `usage: stridesync <command> [options]

commands:
  migrate                                        create the database if missing and apply migrations
  runners create --name NAME --timezone TZ [--json]
${COMMANDS.map((c) => `  ${c.usage}`).join('\n')}
`;

const io: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  isTty: Boolean(process.stderr.isTTY),
};

async function withDeps<T>(fn: (deps: AppDeps) => Promise<T>): Promise<T> {
  const env = loadEnvOrExit();
  // CLI output is the command's own; logs only say what went wrong.
  // stdout carries only the command's results (JSON lines with --json); every log line, including the
  // in-process workers', goes to stderr.
  const log = createLogger({ level: env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL, stream: 'stderr' });
  await prepareDatabase(env, log, { attempts: 3 });
  const deps = createDeps(env, log);
  try {
    return await fn(deps);
  } finally {
    await closeDeps(deps);
  }
}

async function run(argv: string[]): Promise<number> {
  const [cmd, sub, ...rest] = argv;
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    io.out(USAGE);
    return cmd ? 0 : 2;
  }
  if (cmd === 'migrate') {
    const env = loadEnvOrExit();
    await prepareDatabase(env, createLogger({ level: 'warn', stream: 'stderr' }), { attempts: 3 });
    io.out(`migrations applied to ${new URL(env.DATABASE_URL).pathname.slice(1)}`);
    return 0;
  }
  if (cmd === 'runners' && sub === 'create') {
    const { values } = parseArgs({ args: rest, options: { name: { type: 'string' }, timezone: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
    if (!values.name || !values.timezone) {
      io.err('runners create needs --name NAME and --timezone IANA_TZ (e.g. Europe/Oslo)');
      return 2;
    }
    const runner = await withDeps((deps) => createRunner(deps, { name: values.name!, timezone: values.timezone! }));
    io.out(values.json ? JSON.stringify({ id: runner.id }) : `created runner ${runner.id} (${runner.name}, ${runner.timezone})`);
    return 0;
  }
  const command: CliCommand | undefined = COMMANDS.find((c) => c.matches(cmd, sub));
  if (!command) {
    io.err(`unknown command: ${[cmd, sub].filter(Boolean).join(' ')}\n\n${USAGE}`);
    return 2;
  }
  const args = command.takesSub ? rest : [sub, ...rest].filter((a): a is string => a !== undefined);
  return withDeps((deps) => command.run(deps, args, io));
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof AppError) io.err(`stridesync: ${err.message}`);
    else if (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) io.err(`stridesync: ${err.message}\n\n${USAGE}`);
    else io.err(`stridesync: ${(err as Error).stack ?? String(err)}`);
    process.exitCode = 1;
  },
);
