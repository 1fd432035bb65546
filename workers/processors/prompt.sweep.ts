import { sweepPrompts } from '../../src/services/prompts/send.js';
import type { Processor } from '../types.js';

export const promptSweep: Processor<'prompt.sweep'> = async (deps, _payload, { log }) => {
  const r = await sweepPrompts(deps);
  if (r.requeued > 0) log.warn(r, 'pain prompts re-queued by the sweep');
  return r;
};
