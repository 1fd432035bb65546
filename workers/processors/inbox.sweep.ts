import { sweepInbox, sweepStuckImports } from '../../src/services/sweep-inbox.js';
import type { Processor } from '../types.js';

export const inboxSweep: Processor<'inbox.sweep'> = async (deps, _payload, { log }) => {
  const requeued = await sweepInbox(deps);
  if (requeued > 0) log.warn({ requeued }, 'webhook events re-queued from the inbox');
  const imports = await sweepStuckImports(deps);
  if (imports > 0) log.warn({ imports }, 'stuck FIT imports re-queued');
  return { requeued, imports };
};
