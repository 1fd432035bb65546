import type { ProcessorMap } from '../types.js';
import { notifyDeliver } from './notify.deliver.js';

/** job name → processor; checked against the catalog at worker start (registry.ts). */
export const processors = {
  'notify.deliver': notifyDeliver,
} as unknown as ProcessorMap;
