import { runRecoverySweep } from '../../src/services/recovery-sweep.js';
import type { Processor } from '../types.js';

/** The recovery sweep (every reclaimer of src/services/recovery-sweep.ts); logs what it re-queued. */
export const inboxSweep: Processor<'inbox.sweep'> = async (deps, _payload, { log }) => {
  const result = await runRecoverySweep({ ...deps, log });
  const requeued = Object.fromEntries(Object.entries(result).filter(([, n]) => n !== 0));
  if (Object.keys(requeued).length) log.warn({ requeued }, 'recovery sweep re-queued lost work');
  return result;
};
