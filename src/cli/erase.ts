import { parseArgs } from 'node:util';
import { eraseRunner } from '../services/erasure.js';
import type { CliCommand } from './commands.js';

/** `stridesync runners delete ID --yes`: erase a runner (docs/security.md "Erasure of a runner"), for operators. */
export const runnersDeleteCommand: CliCommand = {
  usage: 'runners delete ID --yes [--json]               erase a runner and everything they own (only an audit row remains)',
  takesSub: true,
  matches: (cmd, sub) => cmd === 'runners' && sub === 'delete',
  async run(deps, args, io) {
    const { values, positionals } = parseArgs({ args, options: { yes: { type: 'boolean' }, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
    if (positionals.length !== 1) {
      io.err('runners delete needs exactly one runner id');
      return 2;
    }
    if (!values.yes) {
      io.err(`runners delete erases runner ${positionals[0]} and all their data for good; add --yes to confirm`);
      return 2;
    }
    const result = await eraseRunner(deps, positionals[0]!, 'operator:cli');
    if (values.json) {
      io.out(JSON.stringify(result));
      return 0;
    }
    io.out(`runner ${result.runnerId} erased at ${result.erasedAt}`);
    for (const [table, n] of Object.entries(result.deleted)) if (n > 0) io.out(`  ${table.padEnd(26)} ${n}`);
    io.out(`  upstream revokes queued: ${result.upstreamRevokes}; queued jobs removed: ${result.jobs.removed}`);
    return 0;
  },
};
