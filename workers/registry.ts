import { JOB_NAMES, type JobName } from '../src/jobs/catalog.js';
import { processors } from './processors/index.js';
import type { ProcessorMap } from './types.js';

export { processors };

/**
 * Every catalog job has exactly one processor and every processor has a catalog entry; the worker
 * refuses to start otherwise (a job nobody runs would sit in Redis forever).
 */
export function checkRegistry(map: Partial<Record<string, unknown>>, names: readonly string[] = JOB_NAMES): void {
  const missing = names.filter((n) => typeof map[n] !== 'function');
  const extra = Object.keys(map).filter((n) => !names.includes(n));
  if (missing.length || extra.length) {
    const parts = [];
    if (missing.length) parts.push(`no processor for: ${missing.join(', ')}`);
    if (extra.length) parts.push(`processor without catalog entry: ${extra.join(', ')}`);
    throw new Error(`job registry incomplete — ${parts.join('; ')}`);
  }
}

export function processorFor<N extends JobName>(name: N, map: ProcessorMap = processors): ProcessorMap[N] {
  return map[name];
}
