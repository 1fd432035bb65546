import { parseArgs } from 'node:util';
import { listFailedJobs, retryFailedJob } from '../services/failed-jobs.js';
import type { CliCommand } from './commands.js';

/** `stridesync jobs failed [--json]`: failed jobs of every queue, newest first. */
export const jobsFailedCommand: CliCommand = {
  usage: 'jobs failed [--json] [--limit N]              failed jobs of every queue (newest first)',
  takesSub: true,
  matches: (cmd, sub) => cmd === 'jobs' && sub === 'failed',
  async run(deps, args, io) {
    const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, limit: { type: 'string' } }, strict: true });
    const limit = Number(values.limit ?? 500);
    if (!Number.isInteger(limit) || limit < 1) {
      io.err('--limit must be a positive whole number');
      return 2;
    }
    const lines = await listFailedJobs(deps.queues, limit);
    if (values.json) {
      io.out(JSON.stringify(lines));
      return 0;
    }
    if (lines.length === 0) {
      io.out('no failed jobs');
      return 0;
    }
    io.out(['queue'.padEnd(11), 'id'.padEnd(40), 'name'.padEnd(26), 'tries', 'failed at'.padEnd(24), 'reason'].join(' '));
    for (const l of lines) {
      io.out(
        [
          l.queue.padEnd(11),
          l.id.padEnd(40),
          l.name.padEnd(26),
          String(l.attempts).padStart(5),
          (l.finishedOn ?? '').padEnd(24),
          l.failedReason.split('\n')[0],
        ].join(' '),
      );
    }
    return 0;
  },
};

/** `stridesync jobs retry ID [--queue Q]`: put one failed job back into its queue. */
export const jobsRetryCommand: CliCommand = {
  usage: 'jobs retry ID [--queue Q] [--json]            retry one failed job',
  takesSub: true,
  matches: (cmd, sub) => cmd === 'jobs' && sub === 'retry',
  async run(deps, args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { json: { type: 'boolean' }, queue: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) {
      io.err('jobs retry needs exactly one job id (list them with: stridesync jobs failed)');
      return 2;
    }
    const retried = await retryFailedJob(deps.queues, positionals[0]!, values.queue);
    io.out(values.json ? JSON.stringify({ ...retried, status: 'retrying' }) : `job ${retried.id} (${retried.name}) is back in queue ${retried.queue}`);
    return 0;
  },
};
