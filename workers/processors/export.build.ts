import { runExport } from '../../src/services/exports/build.js';
import type { Processor } from '../types.js';

export const exportBuild: Processor<'export.build'> = async (deps, payload, { job, log }) => {
  const result = await runExport(deps, payload.exportId, { onProgress: (pct) => job.updateProgress(pct), log });
  log.info({ exportId: payload.exportId, ...result }, 'export built');
  return result;
};
