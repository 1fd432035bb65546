import type { Db } from '../db/client.js';
import { findRunner, insertRunner, listConnectionsOf, type RunnerRow } from '../db/queries/runners.js';
import { findActiveGoal } from '../db/queries/cadence.js';
import { NotFoundError, ValidationError } from '../lib/errors.js';
import { isUuid } from '../lib/ids.js';

/** True when `tz` is an IANA time zone this runtime knows (e.g. Europe/Oslo). */
export function isValidTimeZone(tz: string): boolean {
  if (!tz.includes('/') && tz !== 'UTC') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export async function createRunner(deps: { db: Db }, input: { name: string; timezone: string }): Promise<RunnerRow> {
  if (!isValidTimeZone(input.timezone)) {
    throw new ValidationError(`body.timezone: "${input.timezone}" is not an IANA time zone such as Europe/Oslo`, {
      issues: [{ path: 'body.timezone', message: 'unknown IANA time zone' }],
    });
  }
  return insertRunner(deps.db, { name: input.name.trim(), timezone: input.timezone });
}

/** The runner or NotFoundError; every runner-scoped route starts here. */
export async function requireRunner(deps: { db: Db }, runnerId: string): Promise<RunnerRow> {
  const runner = isUuid(runnerId) ? await findRunner(deps.db, runnerId) : undefined;
  if (!runner) throw new NotFoundError(`runner ${runnerId} not found`, 'runner_not_found');
  return runner;
}

export async function getRunnerView(deps: { db: Db }, runnerId: string) {
  const runner = await requireRunner(deps, runnerId);
  const [conns, goal] = await Promise.all([listConnectionsOf(deps.db, runner.id), findActiveGoal(deps.db, runner.id)]);
  return {
    id: runner.id,
    name: runner.name,
    timezone: runner.timezone,
    email: runner.email,
    prompts: { morningPromptTime: runner.morningPromptTime, quietHours: { start: runner.quietStart, end: runner.quietEnd }, restDayCheck: runner.restDayCheck },
    createdAt: runner.createdAt.toISOString(),
    connections: conns.map((c) => ({
      id: c.id,
      provider: c.provider,
      status: c.status,
      statusReason: c.statusReason,
      scopes: c.scopes,
      backfill: { status: c.backfillStatus, total: c.backfillTotal, done: c.backfillDone },
      connectedAt: c.createdAt.toISOString(),
    })),
    cadenceGoal: goal ? { baselineSpm: goal.baselineSpm, targetSpm: goal.targetSpm, targetPct: goal.targetPct, startDate: goal.startDate } : null,
  };
}
